import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '../../core/events/registry';
import { createContext, validateLine } from '../../core/events/validate';
import { projectRoot } from '../../core/project';
import { generate, type GeneratorStats } from '../../local/generator';
import { openLocalLake } from '../../local/lake';
import { watchLakeFiles, type LakeFiles } from '../../local/lake-files';
import { startStreamRun, type StreamRun, type StreamStatus } from '../../local/stream';
import { loadStackFile } from '../../stacks/file';
import { portIsFree } from '../support/kafka';

const config = loadStackFile('dev', projectRoot());
const GENERATOR = { events: 600, seed: 11, duplicates: 0.05, invalid: 0.05, late: 0.03 };

/** What the platform must end with, from the generator's own statistics and the stack's filter. */
function expectedCounts(stats: GeneratorStats): { processed: number; aggregated: number } {
  const { excludeEventTypes, excludeEventNames } = config.processing;
  const kept = Object.entries(stats.byEventName).filter(([name]) => !excludeEventNames.includes(name) && !excludeEventTypes.includes(name.split(':')[0]));
  return {
    processed: kept.reduce((sum, [, c]) => sum + c.onTime + c.late, 0),
    aggregated: kept.reduce((sum, [, c]) => sum + c.onTime, 0),
  };
}

/**
 * Event time only moves with the events: after the last generated one, one valid event an hour
 * later moves the aggregate job's watermark past every generated window, so they all fire. It is
 * one more processed event, in a window of its own that never fires. Its uuid is fixed, so every
 * run holds the same rows.
 */
function closingEvent(stats: GeneratorStats): string {
  return JSON.stringify({ event_uuid: '00000000-0000-4000-8000-00000000c105', event_name: 'stream:closed', created_at: Math.floor(stats.maxCreatedAt!) + 3600 });
}

interface Oracle {
  /** `event_uuid|created_at|event_name|event_type|event_subtype` of each event the lake must hold once, sorted. */
  events: string[];
  /** `window_start|event_type|event_subtype|event_count` of each window the lake must hold once, sorted. */
  windows: string[];
}

/**
 * The oracle, worked out from the lines alone: the validator's verdict on each line (the code the
 * platform runs at the door), the first arrival of each (event_uuid, created_at), the stack's
 * exclude lists, then the aggregate job's rule in arrival order: the watermark trails the largest
 * created_at so far by the allowed lateness, and an event whose window end (less 1 ms) the
 * watermark has reached is left out; a window fires once the watermark reaches its end.
 */
function oracle(lines: readonly string[]): Oracle {
  const { excludeEventTypes, excludeEventNames, windowSeconds, allowedLatenessSeconds } = config.processing;
  const ctx = createContext({ source: 'stream', registry: loadRegistry(), unknownEventNames: config.validation.unknownEventNames });
  const seen = new Set<string>();
  const events: string[] = [];
  const windows = new Map<string, { end: number; count: number }>();
  let watermark = -Infinity;
  for (const line of lines) {
    const result = validateLine(line, ctx);
    if (!result.ok) continue;
    const e = result.envelope;
    const key = `${e.event_uuid}|${e.created_at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (excludeEventTypes.includes(e.event_type) || excludeEventNames.includes(e.event_name)) continue;
    events.push(`${key}|${e.event_name}|${e.event_type}|${e.event_subtype ?? ''}`);
    const ts = Math.floor(e.created_at * 1000);
    const start = Math.floor(ts / (windowSeconds * 1000)) * windowSeconds * 1000;
    const end = start + windowSeconds * 1000;
    if (end - 1 > watermark) {
      const window = `${new Date(start).toISOString()}|${e.event_type}|${e.event_subtype ?? ''}`;
      windows.set(window, { end, count: (windows.get(window)?.count ?? 0) + 1 });
    }
    watermark = Math.max(watermark, ts - allowedLatenessSeconds * 1000);
  }
  const fired = [...windows].filter(([, w]) => w.end - 1 <= watermark).map(([key, w]) => `${key}|${w.count}`);
  return { events: events.sort(), windows: fired.sort() };
}

interface LakeRows {
  /** As Oracle.events, from the lake table. */
  keys: string[];
  /** Every column but ingested_at (the time of the run), one text per row, sorted. */
  rows: string[];
  windows: string[];
}

/** The lake's `events` and `aggregates` tables, read from the data files Iceberg lists as live. */
async function readLake(lake: string): Promise<LakeRows> {
  const duck = await openLocalLake(lake);
  try {
    const text = async (sql: string) => (await duck.runAndReadAll(sql)).getRowsJson().map((r) => r.map((v) => (v === null ? '' : String(v))).join('|'));
    return {
      keys: (await text(`SELECT event_uuid, created_at, event_name, event_type, event_subtype FROM events`)).sort(),
      rows: (await text(`SELECT event_uuid, created_at, event_name, event_type, event_subtype, created_datetime, source, payload FROM events`)).sort(),
      windows: (await text(`SELECT strftime(window_start, '%Y-%m-%dT%H:%M:%S.000Z'), event_type, event_subtype, event_count FROM aggregates`)).sort(),
    };
  } finally {
    duck.closeSync();
  }
}

async function until(run: StreamRun, done: (s: StreamStatus) => boolean, timeoutMs: number): Promise<StreamStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await run.status();
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(status)}`);
    await Promise.race([new Promise((r) => setTimeout(r, 500)), run.failed]);
  }
}

/** Resolves once the lake's tables hold `events` and `windows` rows (a watcher polls Iceberg's metadata). */
async function lakeHolds(lake: string, events: number, windows: number, timeoutMs: number): Promise<void> {
  let last: LakeFiles | undefined;
  let watcher: ReturnType<typeof watchLakeFiles> | undefined;
  try {
    await new Promise<void>((resolveHeld, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out: the lake holds ${JSON.stringify({ events: last?.events?.records, aggregates: last?.aggregates?.records })}`)), timeoutMs);
      watcher = watchLakeFiles(lake, 500, (files) => {
        last = files;
        if ((files.events?.records ?? 0) >= events && (files.aggregates?.records ?? 0) >= windows) {
          clearTimeout(timer);
          resolveHeld();
        }
      });
    });
  } finally {
    watcher?.kill('SIGKILL');
  }
}

describe('the platform streaming on one machine', function () {
  this.timeout(900_000);
  const generation = generate(GENERATOR);
  const lines = [...generation.lines];
  const stats = generation.stats;
  lines.push(closingEvent(stats));
  const expected = expectedCounts(stats);
  const truth = oracle(lines);
  const lakeOf: Record<string, LakeRows> = {};

  it('has an oracle that agrees with the generator', () => {
    expect(truth.events.length).to.equal(expected.processed + 1);
    expect(truth.windows.reduce((sum, w) => sum + Number(w.split('|').pop()), 0)).to.equal(expected.aggregated);
  });

  // The failure comes once a quarter of the events are committed to processed: after some commits.
  // The second half of the input waits for that moment, so events still arrive after it (a task
  // fails at its next record) however long the first commits take on a busy machine.
  const failAt = Math.floor(expected.processed / 4);
  const half = Math.floor(lines.length / 2);
  async function* gated(run: () => StreamRun | undefined): AsyncGenerator<string> {
    yield* lines.slice(0, half);
    for (;;) {
      const current = run();
      if (current && (await current.status()).processed.records >= failAt) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    yield* lines.slice(half);
  }
  const scenarios = [
    { name: 'without failures', recovery: undefined },
    { name: 'with one injected task failure in dedup-filter', recovery: 'task', failAfter: failAt },
    { name: "with dedup-filter's JVM killed", recovery: 'process', killProcessAfter: failAt },
  ] as const;

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      let dir: string;
      let final: StreamStatus;
      let brokerPort: number;

      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'sluice-stream-'));
        let started: StreamRun | undefined;
        const run = await startStreamRun({
          dir,
          config,
          lines: gated(() => started),
          ratePerSecond: 100,
          checkpointIntervalMs: 1000,
          heap: '384m',
          failAfter: 'failAfter' in scenario ? scenario.failAfter : undefined,
          killProcessAfter: 'killProcessAfter' in scenario ? scenario.killProcessAfter : undefined,
        });
        started = run;
        brokerPort = Number(run.bootstrap.split(':')[1]);
        try {
          await until(run, (s) => s.processed.records >= expected.processed + 1 && s.aggregates.events >= expected.aggregated, 400_000);
          await lakeHolds(run.lake, expected.processed + 1, truth.windows.length, 120_000);
          // Two more checkpoints: anything written twice would be committed by now.
          await new Promise((r) => setTimeout(r, 2500));
        } finally {
          final = await run.stop();
        }
        lakeOf[scenario.name] = await readLake(join(dir, 'lake'));
      });
      after(() => rmSync(dir, { recursive: true, force: true }));

      it('validates every line once, with the generator counts', () => {
        expect(final.produced.records).to.equal(lines.length);
        expect(final.validated).to.include({ records: lines.length, valid: stats.valid + 1, invalid: stats.invalid });
      });

      it('delivers each kept event to processed exactly once and each window to aggregates exactly once', () => {
        expect(final.processed.records).to.equal(expected.processed + 1);
        expect(final.aggregates.records).to.equal(truth.windows.length);
        expect(final.aggregates.events).to.equal(expected.aggregated);
      });

      it("holds exactly the oracle's events in the lake's events table, each (event_uuid, created_at) once", () => {
        const lake = lakeOf[scenario.name];
        expect(lake.keys.length).to.equal(expected.processed + 1);
        expect(new Set(lake.keys.map((k) => k.split('|').slice(0, 2).join('|'))).size).to.equal(lake.keys.length);
        expect(lake.keys).to.deep.equal(truth.events);
      });

      it("holds exactly the oracle's windows in the lake's aggregates table", () => {
        expect(lakeOf[scenario.name].windows).to.deep.equal(truth.windows);
      });

      if (scenario.recovery === undefined) {
        it('needs no restart', () => {
          expect(final.restarts).to.deep.equal({ 'dedup-filter': 0, aggregate: 0 });
          expect(final.recoveries).to.deep.equal([]);
          expect(final.checkpoints['dedup-filter']).to.not.equal(null);
        });
      } else {
        it(`restores dedup-filter once (${scenario.recovery}), from a checkpoint taken after some commits`, () => {
          expect(final.restarts).to.deep.equal({ 'dedup-filter': 1, aggregate: 0 });
          expect(final.recoveries).to.have.length(1);
          const [recovery] = final.recoveries;
          expect(recovery).to.include({ job: 'dedup-filter', kind: scenario.recovery });
          expect(recovery.checkpoint).to.be.a('number');
          expect(recovery.processedCommitted).to.be.greaterThan(0).and.lessThan(expected.processed);
        });

        it('ends with the same rows in both lake tables as the run without failures', () => {
          const clean = lakeOf['without failures'];
          expect(lakeOf[scenario.name].rows).to.deep.equal(clean.rows);
          expect(lakeOf[scenario.name].windows).to.deep.equal(clean.windows);
        });
      }

      it('leaves no broker behind', async () => {
        expect(await portIsFree(brokerPort)).to.equal(true);
      });
    });
  }
});
