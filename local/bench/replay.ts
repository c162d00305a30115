/**
 * How closely replay holds its rate limit, and how fast it reads the archive without one: a
 * generated archive in a scratch directory is replayed into a sink that only counts, so the
 * figures are the replay's own (reader, limiter, checkpoints), not a stream's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { directoryArchive } from '../../ops/archive';
import { replay, type ReplaySink } from '../../ops/replay';
import { generate } from '../generator';
import { describeMachine, machine, type Machine } from './machine';

export interface ReplayBenchRun {
  /** Requested events per second; null for unlimited. */
  rate: number | null;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Achieved rate relative to the requested one, in percent (positive: faster). */
  deviationPercent: number | null;
}

export interface ReplayBenchReport {
  machine: Machine;
  archiveObjects: number;
  runs: ReplayBenchRun[];
}

const countingSink = (): ReplaySink & { count: number } => ({
  count: 0,
  async add() {
    this.count++;
  },
  async flush() {},
});

export async function benchReplay(opts: { events: number; rates: number[]; log?: (line: string) => void }): Promise<ReplayBenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-replay-'));
  try {
    // The archive's lines are enriched events; one object per hour, as Firehose would write them.
    const hours = ['09', '10', '11', '12'];
    const lines = [...generate({ events: opts.events, seed: 1 }).lines].map((line, i) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...event, event_uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, event_type: 'bench', ingested_at: `2026-03-17T${hours[i % 4]}:00:00.000Z` });
    });
    for (const [h, hour] of hours.entries()) {
      const path = join(dir, 'raw', 'dt=2026-03-17', `hour=${hour}`);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'archive.gz'), gzipSync(`${lines.filter((_, i) => i % 4 === h).join('\n')}\n`));
    }
    const runs: ReplayBenchRun[] = [];
    for (const rate of [...opts.rates, null]) {
      const sink = countingSink();
      const summary = await replay({
        store: directoryArchive(dir),
        request: { from: '2026-03-17T09', to: '2026-03-17T12', eventTypes: [], target: 'bench' },
        sink,
        ...(rate === null ? {} : { rate }),
        checkpointFile: join(dir, `checkpoint-${rate ?? 'unlimited'}.json`),
      });
      const eventsPerSecond = Math.round(sink.count / summary.seconds);
      runs.push({ rate, events: sink.count, seconds: Math.round(summary.seconds * 1000) / 1000, eventsPerSecond, deviationPercent: rate === null ? null : Math.round(((eventsPerSecond - rate) / rate) * 1000) / 10 });
      opts.log?.(`replay at ${rate ?? 'unlimited'} events/s: ${eventsPerSecond} events/s over ${summary.seconds.toFixed(1)} s`);
    }
    return { machine: machine(), archiveObjects: hours.length, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReplayBench(report: ReplayBenchReport): string {
  const rows = report.runs.map((r) => `  ${String(r.rate ?? 'unlimited').padStart(9)}  ${String(r.eventsPerSecond).padStart(9)}  ${r.deviationPercent === null ? '' : `${r.deviationPercent > 0 ? '+' : ''}${r.deviationPercent}%`}`);
  return [`replay (${report.runs[0]?.events ?? 0} events, ${report.archiveObjects} archive objects) on ${describeMachine(report.machine)}`, '  requested  achieved  deviation', ...rows, ''].join('\n');
}
