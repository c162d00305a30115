import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../../core/project';
import { generate } from '../../local/generator';
import { queryLocalLake } from '../../local/lake';
import { startStreamRun, type StreamRun, type StreamStatus } from '../../local/stream';
import { loadStackFile } from '../../stacks/file';
import { readTopic } from '../support/kafka-read';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');
const EVENTS_SQL = 'SELECT event_uuid, created_at, event_name, event_type, event_subtype, created_datetime, ingested_at, source, payload FROM events ORDER BY event_uuid, created_at';
const AGGREGATES_SQL = 'SELECT window_start, window_end, event_type, event_subtype, event_count FROM aggregates ORDER BY window_start, event_type, event_subtype';
const config = loadStackFile('dev', projectRoot());
/** Records per archive object, as Firehose would cut its buffers. */
const OBJECT_RECORDS = 250;

async function until(run: StreamRun, done: (s: StreamStatus) => boolean, timeoutMs: number): Promise<StreamStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await run.status();
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(status)}`);
    await Promise.race([new Promise((r) => setTimeout(r, 500)), run.failed]);
  }
}

/**
 * The archive the `events` stream would leave: every record of the `events` topic, in its order,
 * gzip JSON lines cut into objects under raw/dt=../hour=../ of each object's first arrival.
 */
function writeArchive(lake: string, lines: string[]): number {
  let objects = 0;
  for (let start = 0; start < lines.length; start += OBJECT_RECORDS) {
    const chunk = lines.slice(start, start + OBJECT_RECORDS);
    const ingested = (JSON.parse(chunk[0]) as { ingested_at: string }).ingested_at;
    const dir = join(lake, 'raw', `dt=${ingested.slice(0, 10)}`, `hour=${ingested.slice(11, 13)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `sluice-local-archive-${String(objects++).padStart(6, '0')}.gz`), gzipSync(`${chunk.join('\n')}\n`));
  }
  return objects;
}

describe("a backfill over the archive of a streaming run gives the streaming run's curated rows", function () {
  this.timeout(900_000);
  const generation = generate({ events: 800, seed: 23, duplicates: 0.05, invalid: 0.03, late: 0.03 });
  const lines = [...generation.lines];
  // One event an hour after the last moves the stream's watermark past every generated window; its own window stays open.
  lines.push(JSON.stringify({ event_uuid: randomUUID(), event_name: 'stream:closed', created_at: Math.floor(generation.stats.maxCreatedAt!) + 3600 }));
  let dir: string;
  let streamed: { events: (string | null)[][]; aggregates: (string | null)[][] };
  let archived: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-backfill-stream-'));
    const { excludeEventTypes, excludeEventNames } = config.processing;
    const kept = Object.entries(generation.stats.byEventName).filter(([name]) => !excludeEventNames.includes(name) && !excludeEventTypes.includes(name.split(':')[0]));
    const processed = kept.reduce((sum, [, c]) => sum + c.onTime + c.late, 0) + 1;
    const aggregated = kept.reduce((sum, [, c]) => sum + c.onTime, 0);
    const run = await startStreamRun({ dir: join(dir, 'stream'), config, lines, ratePerSecond: 200, checkpointIntervalMs: 1000, heap: '384m' });
    try {
      await until(run, (s) => s.processed.records >= processed && s.aggregates.events >= aggregated, 600_000);
      // Two more checkpoints: the lake tables' last rows are committed by then.
      await new Promise((r) => setTimeout(r, 2500));
      // What Firehose would archive: the events stream, every record as it was put there.
      archived = (await readTopic(run.bootstrap, 'events')).map((r) => r.value);
    } finally {
      await run.stop();
    }
    const lake = join(dir, 'stream', 'lake');
    streamed = { events: (await queryLocalLake(lake, EVENTS_SQL)).rows, aggregates: (await queryLocalLake(lake, AGGREGATES_SQL)).rows };
    expect(streamed.events).to.have.length(processed);
    writeArchive(join(dir, 'archive'), archived);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds exactly the events rows and the fired aggregates windows of the streaming run', async () => {
    expect(archived).to.have.length(generation.stats.valid + 1);
    const run = spawnSync(process.execPath, [SLUICE, 'local', '--from-archive', join(dir, 'archive'), '--out', join(dir, 'rebuilt')], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const rebuilt = join(dir, 'rebuilt', 'lake');
    expect((await queryLocalLake(rebuilt, EVENTS_SQL)).rows).to.deep.equal(streamed.events);
    const windows = (await queryLocalLake(rebuilt, AGGREGATES_SQL)).rows;
    // The batch run ends its input with the end of event time, so it also fires the closing event's window, which the
    // stream keeps open until a later event arrives; every other window is the same, row for row.
    const closing = windows.filter((row) => row[2] === 'stream');
    expect(closing.map((row) => row.slice(2))).to.deep.equal([['stream', 'closed', '1']]);
    expect(windows.filter((row) => row[2] !== 'stream')).to.deep.equal(streamed.aggregates);
    expect(streamed.aggregates.filter((row) => row[2] === 'stream')).to.deep.equal([]);
  });
});
