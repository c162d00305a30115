import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalReport } from '../report';
import { ensureRunnerJar } from '../flink';
import { runLocal } from '../run';
import { STAGES, type Progress, type StageName } from '../stage-clock';
import { describeMachine, machine, type Machine } from './machine';

export interface LocalBenchOptions {
  events: number;
  seed: number;
  heap: string;
  progress?: (update: Progress) => void;
}

export interface LocalBenchReport {
  machine: Machine;
  events: number;
  total_seconds: number;
  /** The figures of the run, without its query results. */
  stages: LocalReport['stages'];
  counts: Pick<LocalReport, 'read' | 'valid' | 'invalid' | 'duplicates_removed' | 'filtered' | 'processed' | 'late' | 'aggregate_rows' | 'parquet_files' | 'parquet_bytes'>;
}

/** `sluice local` end to end on generated events, in a scratch directory removed afterwards. */
export async function benchLocal(opts: LocalBenchOptions): Promise<LocalBenchReport> {
  // The runner jar and its class archive are made once per change of the runner, before the run's
  // clock starts, as bench flink does: a first run after a change would otherwise time their build.
  ensureRunnerJar();
  const scratch = mkdtempSync(join(tmpdir(), 'sluice-bench-local-'));
  try {
    const report = await runLocal({
      out: join(scratch, 'out'),
      events: opts.events,
      seed: opts.seed,
      duplicates: 0.05,
      invalid: 0.02,
      late: 0.01,
      stack: 'dev',
      source: 'bench',
      heap: opts.heap,
      progress: opts.progress,
    });
    const { read, valid, invalid, duplicates_removed, filtered, processed, late, aggregate_rows, parquet_files, parquet_bytes } = report;
    return {
      machine: machine(),
      events: opts.events,
      total_seconds: report.total_seconds,
      stages: report.stages,
      counts: { read, valid, invalid, duplicates_removed, filtered, processed, late, aggregate_rows, parquet_files, parquet_bytes },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function formatLocalBench(r: LocalBenchReport): string {
  const stage = (s: StageName) => {
    const f = r.stages[s];
    return f === undefined ? [] : [`  ${s.padEnd(13)} ${f.seconds.toFixed(1).padStart(7)} s  ${f.events_per_second.toLocaleString('en-US').padStart(10)} events/s`];
  };
  return [
    `machine: ${describeMachine(r.machine)}`,
    `sluice local on ${r.events.toLocaleString('en-US')} generated events: ${r.total_seconds.toFixed(1)} s in all (goal: under 60 s for 1,000,000 events on 2 cores)`,
    ...STAGES.flatMap(stage),
    `  ${r.counts.processed.toLocaleString('en-US')} processed, ${r.counts.duplicates_removed.toLocaleString('en-US')} duplicates removed, ${r.counts.late.toLocaleString('en-US')} late, ${r.counts.parquet_files} Parquet files`,
    '',
  ].join('\n');
}
