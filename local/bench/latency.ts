import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '../../core/events/registry';
import { createContext, validateLine } from '../../core/events/validate';
import { jobSqlParameters } from '../../core/jobs';
import { defaultProcessingConfig } from '../../stacks/load';
import { startFollowingJob } from '../flink';
import { generate } from '../generator';
import { watchLakeFiles, type LakeFiles } from '../lake-files';
import { machine, type Machine } from './machine';

export interface LatencyBenchOptions {
  /** Events produced in the measured run. */
  events: number;
  /** Production rate, events per second. */
  rate: number;
  /** Checkpoint interval of the dedup-filter job: the lake commits on each checkpoint. */
  checkpointSeconds: number;
  seed: number;
  heap: string;
  log?: (line: string) => void;
}

export interface LatencyBenchReport {
  machine: Machine;
  checkpoint_seconds: number;
  events: number;
  rate_per_second: number;
  /** Events seen in the lake, of those produced. */
  seen: number;
  /** Producer -> queryable, in milliseconds. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Lake commits (snapshots) during the measured run. */
  commits: number;
}

/** How often the lake's metadata is polled for a new snapshot. */
const POLL_MS = 100;
/** Events per file: the producer drops one file every 1000 * PER_FILE / rate ms. */
const PER_FILE = 10;

/** The value at quantile `q` (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Producer -> queryable latency on this machine: dedup-filter runs unbounded in a mini-cluster,
 * following a directory that a producer drops small files of validated, enriched events into at a
 * steady rate; a reader polls the local lake's Iceberg metadata every 100 ms and, on each new
 * snapshot, reads its new data files with DuckDB. An event's latency is from the moment its file
 * appeared to the moment DuckDB returned it. A warm-up file is produced and awaited first, so the
 * job's start-up is not counted.
 */
export async function benchLatency(opts: LatencyBenchOptions): Promise<LatencyBenchReport> {
  const log = opts.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-latency-'));
  const input = join(work, 'in');
  const lake = join(work, 'lake');
  mkdirSync(input);
  const produced = new Map<string, number>();
  const seen = new Map<string, number>();
  const readFiles = new Set<string>();
  let commits = 0;
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  let reading = Promise.resolve();
  const onSnapshot = (files: LakeFiles) => {
    reading = reading.then(async () => {
      const fresh = (files.events?.files ?? []).filter((f) => !readFiles.has(f));
      if (fresh.length === 0) return;
      commits++;
      fresh.forEach((f) => readFiles.add(f));
      const list = fresh.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
      const rows = (await duck.runAndReadAll(`SELECT event_uuid FROM read_parquet([${list}])`)).getRows();
      const now = Date.now();
      for (const [uuid] of rows) if (!seen.has(String(uuid))) seen.set(String(uuid), now);
    });
  };

  const registry = loadRegistry();
  const lines = generate({ events: opts.events + PER_FILE, seed: opts.seed }).lines[Symbol.iterator]();
  let fileNumber = 0;
  const produce = (count: number): string[] => {
    const ctx = createContext({ source: 'bench', registry, ingestedAt: new Date() });
    const batch: string[] = [];
    const uuids: string[] = [];
    for (let i = 0; i < count; i++) {
      const next = lines.next();
      if (next.done) break;
      const result = validateLine(next.value, ctx);
      if (!result.ok) continue;
      batch.push(result.json);
      uuids.push(result.envelope.event_uuid);
    }
    const name = `batch-${String(fileNumber++).padStart(6, '0')}.jsonl`;
    writeFileSync(join(input, `.${name}`), `${batch.join('\n')}\n`);
    renameSync(join(input, `.${name}`), join(input, name));
    return uuids;
  };

  log(`starting dedup-filter following ${input}, checkpoints every ${opts.checkpointSeconds} s`);
  const job = startFollowingJob({
    job: 'dedup-filter',
    input,
    output: join(work, 'out'),
    lake,
    follow: true,
    checkpointIntervalMs: opts.checkpointSeconds * 1000,
    // The defaults of stacks/schema.ts: nothing excluded, so every produced event reaches the lake.
    params: jobSqlParameters('dedup-filter', { processing: defaultProcessingConfig() }),
    heap: opts.heap,
  });
  let watcher: ReturnType<typeof watchLakeFiles> | undefined;
  try {
    const warmup = produce(PER_FILE);
    mkdirSync(join(lake, 'curated'), { recursive: true });
    watcher = watchLakeFiles(lake, POLL_MS, (files) => onSnapshot(files));
    await waitFor(() => warmup.every((u) => seen.has(u)), 300_000, 'the warm-up events to reach the lake (job start-up)');
    commits = 0;
    log(`warm; producing ${opts.events} events at ${opts.rate}/s`);
    const interval = (1000 * PER_FILE) / opts.rate;
    const start = Date.now();
    for (let n = 0; n * PER_FILE < opts.events; n++) {
      const due = start + n * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      const at = Date.now();
      for (const uuid of produce(Math.min(PER_FILE, opts.events - n * PER_FILE))) produced.set(uuid, at);
    }
    await waitFor(() => [...produced.keys()].every((u) => seen.has(u)), 120_000, 'every produced event to reach the lake').catch((err: Error) => log(err.message));
    await reading;
  } finally {
    watcher?.kill();
    await job.stop();
    duck.closeSync();
    instance.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
  const latencies = [...produced].filter(([u]) => seen.has(u)).map(([u, at]) => seen.get(u)! - at).sort((a, b) => a - b);
  return {
    machine: machine(),
    checkpoint_seconds: opts.checkpointSeconds,
    events: produced.size,
    rate_per_second: opts.rate,
    seen: latencies.length,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies[latencies.length - 1] ?? NaN,
    commits,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(50);
  }
}

export function formatLatencyBench(r: LatencyBenchReport): string {
  return [
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB`,
    `producer -> queryable (dedup-filter -> Iceberg events -> DuckDB), checkpoints every ${r.checkpoint_seconds} s, ${r.rate_per_second} events/s:`,
    `  p50 ${(r.p50_ms / 1000).toFixed(2)} s, p99 ${(r.p99_ms / 1000).toFixed(2)} s, max ${(r.max_ms / 1000).toFixed(2)} s (goal: p99 < 15 s at 5 s checkpoints)`,
    `  ${r.seen} of ${r.events} events seen, ${r.commits} lake commits`,
    '',
  ].join('\n');
}
