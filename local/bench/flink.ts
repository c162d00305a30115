import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jobSqlParameters, type FlinkJobName } from '../../core/jobs';
import { defaultProcessingConfig } from '../../stacks/load';
import { acceptedEvents } from '../accepted-events';
import { runFlinkJob } from '../flink';
import { planCounts } from '../generator';
import { LineWriter } from '../line-writer';
import { machine, type Machine } from './machine';

/**
 * Nexmark's published per-core throughput for the queries closest to our jobs (Flink 1.13,
 * events/s per core): q18 is a first-row deduplication, q12 a tumbling-window count.
 */
export const NEXMARK_PER_CORE = {
  'dedup-filter': { query: 'q18 (deduplication)', eventsPerSecond: 54_000 },
  aggregate: { query: 'q12 (tumbling window)', eventsPerSecond: 76_000 },
} as const;

export interface BenchInputStats {
  lines: number;
  bytes: number;
  duplicates: number;
  late: number;
}

/**
 * Writes `events` generated events (2% duplicates, 1% late, none invalid), validated and enriched
 * by the ingestion code, as JSON lines. They are accepted at the end of their own time span, so
 * the input is the same on every run.
 */
export async function writeBenchInput(path: string, events: number, seed: number): Promise<BenchInputStats> {
  const options = { events, seed, duplicates: 0.02, late: 0.01, invalid: 0 };
  const out = new LineWriter(path, { chunkChars: 1 << 20 });
  for (const event of acceptedEvents(options, 'bench')) {
    const wait = out.write(event);
    if (wait) await wait;
  }
  await out.close();
  const counts = planCounts(options);
  return { lines: out.count, bytes: statSync(path).size, duplicates: counts.duplicates, late: counts.late };
}

export interface BenchResult {
  job: FlinkJobName;
  inputRecords: number;
  outputRecords: Record<string, number>;
  /** The full run: job start-up (planning, mini-cluster, deployment) plus processing. */
  elapsedMs: number;
  cpuMs: number;
  /** The same job on the first few input lines: start-up alone. */
  startupElapsedMs: number;
  startupCpuMs: number;
}

/**
 * Throughput net of start-up (the full run minus a run on a few lines): wall-clock events/s
 * with every operator at parallelism 1, and events per CPU-second the JVM spent, which is the
 * per-core figure and holds even when other processes share the cores.
 */
export function throughput(r: BenchResult): { eventsPerSecond: number; eventsPerCpuSecond: number } {
  return {
    eventsPerSecond: Math.round(r.inputRecords / (Math.max(1, r.elapsedMs - r.startupElapsedMs) / 1000)),
    eventsPerCpuSecond: Math.round(r.inputRecords / (Math.max(1, r.cpuMs - r.startupCpuMs) / 1000)),
  };
}

/** Counts lines and copies the first `head` of them to `headPath`, reading in chunks. */
function countLinesAndHead(path: string, head: number, headPath: string): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 22);
  let lines = 0;
  let headEnd = -1;
  let offset = 0;
  for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
    for (let i = 0; i < read; i++) {
      if (buffer[i] === 10 && ++lines === head) headEnd = offset + i + 1;
    }
    offset += read;
  }
  closeSync(fd);
  const headBytes = Buffer.alloc(headEnd < 0 ? offset : headEnd);
  const fdHead = openSync(path, 'r');
  readSync(fdHead, headBytes, 0, headBytes.length, 0);
  closeSync(fdHead);
  writeFileSync(headPath, headBytes);
  return lines;
}

export interface FlinkBenchOptions {
  events: number;
  seed: number;
  /** Enriched events to use instead of generating them. */
  input?: string;
  workDir: string;
  heap: string;
  log?: (line: string) => void;
}

export interface FlinkBenchReport {
  machine: Machine;
  results: (BenchResult & { eventsPerSecond: number; eventsPerCpuSecond: number; nexmark: (typeof NEXMARK_PER_CORE)[FlinkJobName] })[];
}

/**
 * Runs dedup-filter on the input, then aggregate on its output, each in a mini-cluster at
 * parallelism 1 with all its sinks, the lake's Iceberg table included; each job also runs on the
 * first 100 lines so that start-up can be subtracted.
 */
export async function benchFlink(opts: FlinkBenchOptions): Promise<FlinkBenchReport> {
  const log = opts.log ?? (() => undefined);
  const work = resolve(opts.workDir);
  mkdirSync(work, { recursive: true });
  let input = opts.input === undefined ? undefined : resolve(opts.input);
  if (input === undefined) {
    input = join(work, 'events.jsonl');
    log(`generating ${opts.events} enriched events (seed ${opts.seed}) into ${input}`);
    const stats = await writeBenchInput(input, opts.events, opts.seed);
    log(`  ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(0)} MB, ${stats.duplicates} duplicates, ${stats.late} late`);
  }
  const results: FlinkBenchReport['results'] = [];
  const stages: Array<{ job: FlinkJobName; from: string }> = [
    { job: 'dedup-filter', from: input },
    { job: 'aggregate', from: join(work, 'processed.jsonl') },
  ];
  for (const stage of stages) {
    const head = join(work, `${stage.job}.head.jsonl`);
    const inputRecords = countLinesAndHead(stage.from, 100, head);
    log(`running ${stage.job} on the first 100 lines (start-up cost), then on ${stage.from}`);
    const params = jobSqlParameters(stage.job, { processing: defaultProcessingConfig() });
    // Each run writes its lake table into a fresh local lake, so runs do not append to each other.
    rmSync(join(work, 'startup', 'lake'), { recursive: true, force: true });
    rmSync(join(work, 'lake'), { recursive: true, force: true });
    const startup = await runFlinkJob({ job: stage.job, input: head, output: join(work, 'startup'), params, heap: opts.heap });
    const summary = await runFlinkJob({ job: stage.job, input: stage.from, output: work, lake: join(work, 'lake', stage.job), params, heap: opts.heap });
    const result: BenchResult = {
      job: stage.job,
      inputRecords,
      outputRecords: Object.fromEntries(Object.entries(summary.outputs).map(([sink, o]) => [sink, o.records])),
      elapsedMs: summary.elapsed_ms,
      cpuMs: summary.cpu_ms,
      startupElapsedMs: startup.elapsed_ms,
      startupCpuMs: startup.cpu_ms,
    };
    results.push({ ...result, ...throughput(result), nexmark: NEXMARK_PER_CORE[stage.job] });
  }
  return { machine: machine(), results };
}

/** The table printed by `sluice bench flink`. */
export function formatFlinkBench(report: FlinkBenchReport): string {
  const rows = report.results.map((r) => [
    r.job,
    String(r.inputRecords),
    `${(r.elapsedMs / 1000).toFixed(1)} (${(r.startupElapsedMs / 1000).toFixed(1)})`,
    `${(r.cpuMs / 1000).toFixed(1)} (${(r.startupCpuMs / 1000).toFixed(1)})`,
    String(r.eventsPerSecond),
    String(r.eventsPerCpuSecond),
    `${r.nexmark.query} ${r.nexmark.eventsPerSecond}`,
  ]);
  const header = ['job', 'events in', 'wall s (start-up)', 'CPU s (start-up)', 'events/s net', 'events/CPU-s net', 'Nexmark per core (Flink 1.13)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const m = report.machine;
  return `${[header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n')}\nmachine: ${m.cores} cores, ${m.cpu}; parallelism 1; net = full run minus a 100-line run (start-up)\n`;
}
