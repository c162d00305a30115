import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { projectRoot } from '../../core/project';
import { generate, type GeneratorStats } from '../../local/generator';
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
 * one more processed event, in a window of its own that never fires.
 */
function closingEvent(stats: GeneratorStats): string {
  return JSON.stringify({ event_uuid: randomUUID(), event_name: 'stream:closed', created_at: Math.floor(stats.maxCreatedAt!) + 3600 });
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

describe('the platform streaming on one machine', function () {
  this.timeout(600_000);
  const generation = generate(GENERATOR);
  const lines = [...generation.lines];
  const stats = generation.stats;
  lines.push(closingEvent(stats));
  const expected = expectedCounts(stats);

  for (const killAfter of [undefined, Math.floor(expected.processed / 2)]) {
    describe(killAfter === undefined ? 'without failures' : `with dedup-filter killed after ${killAfter} processed events`, () => {
      let dir: string;
      let final: StreamStatus;
      let brokerPort: number;

      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'sluice-stream-'));
        const run = await startStreamRun({ dir, config, lines, ratePerSecond: 100, checkpointIntervalMs: 1000, killAfter, heap: '384m' });
        brokerPort = Number(run.bootstrap.split(':')[1]);
        try {
          await until(run, (s) => s.processed.records >= expected.processed + 1 && s.aggregates.events >= expected.aggregated, 400_000);
          // Two more checkpoints: anything written twice would be committed by now.
          await new Promise((r) => setTimeout(r, 2500));
        } finally {
          final = await run.stop();
        }
      });
      after(() => rmSync(dir, { recursive: true, force: true }));

      it('validates every line once, with the generator counts', () => {
        expect(final.produced.records).to.equal(lines.length);
        expect(final.validated).to.include({ records: lines.length, valid: stats.valid + 1, invalid: stats.invalid });
      });

      it('processes each kept event exactly once and counts each on-time one in exactly one window', () => {
        expect(final.processed.records).to.equal(expected.processed + 1);
        expect(final.aggregates.events).to.equal(expected.aggregated);
      });

      it(killAfter === undefined ? 'needs no restart' : 'restarts dedup-filter once, from a checkpoint', () => {
        expect(final.restarts).to.deep.equal({ 'dedup-filter': killAfter === undefined ? 0 : 1, aggregate: 0 });
        expect(final.checkpoints['dedup-filter']).to.not.equal(null);
      });

      it('leaves no broker behind', async () => {
        expect(await portIsFree(brokerPort)).to.equal(true);
      });
    });
  }
});
