import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jobSqlParameters, type FlinkJobName } from '../../core/jobs';
import { defaultProcessingConfig } from '../../stacks/load';
import { acceptedEvents } from '../accepted-events';
import { ensureRunnerJar, runFlinkJob } from '../flink';
import { UserError } from '../../core/user-error';
import { planCounts } from '../generator';
import { LineWriter } from '../line-writer';
import { machine, type Machine } from './machine';
import { median } from './median';

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
  /** The full run between a fifth and nine tenths of its input (FlinkRunSummary.steady). */
  steady: { records: number; cpuMs: number } | null;
}

/** The run on the first lines of the input that the full run is compared with: start-up alone. */
export const STARTUP_LINES = 100;

export interface Throughput {
  /** Wall-clock events/s net of start-up, every operator at parallelism 1. */
  eventsPerSecond: number;
  /** Events per CPU-second the JVM spent, net of start-up: holds even when other processes share the cores. */
  eventsPerCpuSecond: number;
  /**
   * Events per CPU-second while the full run read from a fifth to nine tenths of its input: past
   * the JIT compiler's warm-up, before the last commit. Nexmark's per-core figures come from runs of
   * 100 million events, where that warm-up is a rounding error. Null when the run was too short to
   * sample.
   */
  steadyEventsPerCpuSecond: number | null;
}

/** Events per second over `ms` milliseconds (of wall or CPU time), never dividing by zero or less. */
function perSecond(events: number, ms: number): number {
  return Math.round(events / (Math.max(1, ms) / 1000));
}

/** Throughput from the full run and the start-up run. */
export function throughput(r: BenchResult): Throughput {
  return {
    eventsPerSecond: perSecond(r.inputRecords, r.elapsedMs - r.startupElapsedMs),
    eventsPerCpuSecond: perSecond(r.inputRecords, r.cpuMs - r.startupCpuMs),
    steadyEventsPerCpuSecond: r.steady === null ? null : perSecond(r.steady.records, r.steady.cpuMs),
  };
}

/** Counts the lines of a file, reading it in chunks. */
export function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 22);
  let lines = 0;
  for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
    for (let i = 0; i < read; i++) if (buffer[i] === 10) lines++;
  }
  closeSync(fd);
  return lines;
}

/** Copies the first `head` lines of `path` (all of them when it has fewer) to `headPath`. */
export function copyHead(path: string, head: number, headPath: string): void {
  const fd = openSync(path, 'r');
  const out = openSync(headPath, 'w');
  const buffer = Buffer.alloc(1 << 22);
  let lines = 0;
  for (let read = readSync(fd, buffer); read > 0 && lines < head; read = readSync(fd, buffer)) {
    let end = read;
    for (let i = 0; i < read; i++) {
      if (buffer[i] === 10 && ++lines === head) {
        end = i + 1;
        break;
      }
    }
    writeSync(out, buffer, 0, end);
  }
  closeSync(out);
  closeSync(fd);
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

/** The given input, or `events` generated events written into the work directory. */
async function benchInput(opts: FlinkBenchOptions, work: string, log: (line: string) => void): Promise<string> {
  mkdirSync(work, { recursive: true });
  if (opts.input !== undefined) return resolve(opts.input);
  const input = join(work, 'events.jsonl');
  log(`generating ${opts.events} enriched events (seed ${opts.seed}) into ${input}`);
  const stats = await writeBenchInput(input, opts.events, opts.seed);
  log(`  ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(0)} MB, ${stats.duplicates} duplicates, ${stats.late} late`);
  return input;
}

export interface FlinkBenchReport {
  machine: Machine;
  results: (BenchResult & Throughput & { nexmark: (typeof NEXMARK_PER_CORE)[FlinkJobName] })[];
}

/** Where `sluice bench flink` writes a job's full run: its output files and its lake. */
export function benchRunDirectory(work: string, job: FlinkJobName): string {
  return join(work, 'runs', job);
}

/**
 * Removes a run's output directory, as the run is about to start: every run starts from the same
 * state, never writing while an earlier run's outputs (1.1 GB of dedup-filter's) are still on disk
 * and in the page cache. Writing beside them made the kernel take every page the run writes from
 * free memory, which on the benchmark machine (a VM whose host most likely backs memory only once
 * it is touched) cost dedup-filter's full run seconds of system CPU that the reused pages of an
 * emptied directory do not (README, Performance).
 */
export function emptyRunDirectory(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/**
 * Runs dedup-filter on the input, then aggregate on its output, each in a mini-cluster at
 * parallelism 1 with all its sinks, the lake's Iceberg table included; each job also runs on the
 * first 100 lines, so that start-up can be subtracted.
 */
export async function benchFlink(opts: FlinkBenchOptions): Promise<FlinkBenchReport> {
  const log = opts.log ?? (() => undefined);
  const work = resolve(opts.workDir);
  const input = await benchInput(opts, work, log);
  const results: FlinkBenchReport['results'] = [];
  const stages: Array<{ job: FlinkJobName; from: string }> = [
    { job: 'dedup-filter', from: input },
    { job: 'aggregate', from: join(benchRunDirectory(work, 'dedup-filter'), 'processed.jsonl') },
  ];
  for (const stage of stages) {
    const inputRecords = countLines(stage.from);
    const startupInput = join(work, `${stage.job}.head.jsonl`);
    copyHead(stage.from, STARTUP_LINES, startupInput);
    log(`running ${stage.job} on the first ${STARTUP_LINES} lines (start-up), then on all ${inputRecords} of ${stage.from}`);
    const params = jobSqlParameters(stage.job, { processing: defaultProcessingConfig() });
    // Each run writes its outputs and its lake (<output>/lake) into a directory emptied just before
    // it starts (emptyRunDirectory), so runs do not append to each other.
    const startup = await runFlinkJob({ job: stage.job, input: startupInput, output: emptyRunDirectory(join(work, 'startup')), params, heap: opts.heap });
    const summary = await runFlinkJob({ job: stage.job, input: stage.from, output: emptyRunDirectory(benchRunDirectory(work, stage.job)), params, heap: opts.heap });
    const result: BenchResult = {
      job: stage.job,
      inputRecords,
      outputRecords: Object.fromEntries(Object.entries(summary.outputs).map(([sink, o]) => [sink, o.records])),
      elapsedMs: summary.elapsed_ms,
      cpuMs: summary.cpu_ms,
      startupElapsedMs: startup.elapsed_ms,
      startupCpuMs: startup.cpu_ms,
      steady: summary.steady === null ? null : { records: summary.steady.records, cpuMs: summary.steady.cpu_ms },
    };
    results.push({ ...result, ...throughput(result), nexmark: NEXMARK_PER_CORE[stage.job] });
  }
  return { machine: machine(), results };
}

/** The header and rows as lines, each column padded to its widest cell. */
function alignedRows(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => `${r.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`).join('');
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
    r.steadyEventsPerCpuSecond === null ? 'too short' : String(r.steadyEventsPerCpuSecond),
    `${r.nexmark.query} ${r.nexmark.eventsPerSecond}`,
  ]);
  const header = ['job', 'events in', 'wall s (start-up)', 'CPU s (start-up)', 'events/s net', 'events/CPU-s net', 'events/CPU-s steady', 'Nexmark per core (Flink 1.13)'];
  const m = report.machine;
  return (
    alignedRows(header, rows) +
    `machine: ${m.cores} cores, ${m.cpu}; parallelism 1; net = full run minus a ${STARTUP_LINES}-line run (start-up); ` +
    "steady = the full run from a fifth to nine tenths of its input (past the JIT's warm-up), the one to set beside Nexmark's 100-million-event runs\n"
  );
}

export interface BuildComparisonOptions extends FlinkBenchOptions {
  /** The other build's runner jar (built from a commit with the same pom dependencies). */
  against: string;
  rounds: number;
}

/**
 * One build's full runs of a job, in the order they ran. steadyEventsPerCpuSecond: each run's steady
 * figure (Throughput), null for a run too short to sample.
 */
export interface BuildRuns {
  cpuMs: number[];
  elapsedMs: number[];
  steadyEventsPerCpuSecond: (number | null)[];
}

/** One job's full runs, this build's and the other's. */
export interface BuildComparison {
  job: FlinkJobName;
  inputRecords: number;
  thisBuild: BuildRuns;
  otherBuild: BuildRuns;
}

export interface BuildComparisonReport {
  machine: Machine;
  against: string;
  jobs: BuildComparison[];
}

/** This build's median full-run CPU time against the other's, as a signed percentage (negative: this build costs less). */
export function cpuChangePercent(c: BuildComparison): number {
  const other = median(c.otherBuild.cpuMs);
  return Math.round((1000 * (median(c.thisBuild.cpuMs) - other)) / other) / 10;
}

/**
 * This build's median steady events/CPU-s against the other's, as a signed percentage (positive: this
 * build does more per CPU-second once warm), or null when either build has no run long enough to
 * sample. Full runs include the JIT compiler's warm-up, whose cost drifts from run to run; the steady
 * figure tells a change in what each record costs from that drift.
 */
export function steadyChangePercent(c: BuildComparison): number | null {
  const ours = sampledSteady(c.thisBuild);
  const other = sampledSteady(c.otherBuild);
  if (ours.length === 0 || other.length === 0) return null;
  return Math.round((1000 * (median(ours) - median(other))) / median(other)) / 10;
}

/** The steady figures of a build's runs that were long enough to sample. */
function sampledSteady(runs: BuildRuns): number[] {
  return runs.steadyEventsPerCpuSecond.filter((v): v is number => v !== null);
}

/** Which build runs first in a round (from 0): this build in even rounds, the other in odd ones (ABBA). */
export function buildsInRound(round: number): readonly ['thisBuild', 'otherBuild'] | readonly ['otherBuild', 'thisBuild'] {
  return round % 2 === 0 ? ['thisBuild', 'otherBuild'] : ['otherBuild', 'thisBuild'];
}

/**
 * Runs each job's full input with this build's runner jar and the other build's, `rounds` times,
 * alternating which goes first from round to round (ABBA), so that a machine that slows down or
 * speeds up over the minutes weighs on both alike. Neither uses the class archive. The outputs'
 * record counts must agree, or the builds do not compute the same thing and the figures say nothing.
 */
export async function compareFlinkBuilds(opts: BuildComparisonOptions): Promise<BuildComparisonReport> {
  const log = opts.log ?? (() => undefined);
  const against = resolve(opts.against);
  if (!existsSync(against)) throw new UserError(`--against ${opts.against}: no such file; give the runner jar of another build (sql/runner/target/sluice-flink-runner.jar there)`, 2);
  const work = resolve(opts.workDir);
  const input = await benchInput(opts, work, log);
  const thisJar = ensureRunnerJar(log);
  const jobs: BuildComparison[] = [];
  const stages: Array<{ job: FlinkJobName; from: string }> = [
    { job: 'dedup-filter', from: input },
    { job: 'aggregate', from: join(work, 'compare', 'dedup-filter', 'processed.jsonl') },
  ];
  for (const stage of stages) {
    const inputRecords = countLines(stage.from);
    const params = jobSqlParameters(stage.job, { processing: defaultProcessingConfig() });
    const comparison: BuildComparison = {
      job: stage.job,
      inputRecords,
      thisBuild: { cpuMs: [], elapsedMs: [], steadyEventsPerCpuSecond: [] },
      otherBuild: { cpuMs: [], elapsedMs: [], steadyEventsPerCpuSecond: [] },
    };
    const counts = new Map<string, string>();
    for (let round = 0; round < opts.rounds; round++) {
      for (const build of buildsInRound(round)) {
        // This build's output of the last round stays, for aggregate's input.
        const output = emptyRunDirectory(join(work, 'compare', build === 'thisBuild' ? stage.job : `${stage.job}-other`));
        const summary = await runFlinkJob({ job: stage.job, input: stage.from, output, params, heap: opts.heap, runnerJar: build === 'thisBuild' ? thisJar : against });
        const steady = summary.steady === null ? null : perSecond(summary.steady.records, summary.steady.cpu_ms);
        comparison[build].cpuMs.push(summary.cpu_ms);
        comparison[build].elapsedMs.push(summary.elapsed_ms);
        comparison[build].steadyEventsPerCpuSecond.push(steady);
        counts.set(build, JSON.stringify(Object.fromEntries(Object.entries(summary.outputs).map(([sink, o]) => [sink, o.records]))));
        log(
          `${stage.job} round ${round + 1}, ${build === 'thisBuild' ? 'this build' : 'the other build'}: ${(summary.cpu_ms / 1000).toFixed(1)} CPU s, ${(summary.elapsed_ms / 1000).toFixed(1)} s, steady ${steady ?? '-'} events/CPU-s`,
        );
      }
      if (counts.get('thisBuild') !== counts.get('otherBuild')) {
        throw new UserError(
          `${stage.job}: the builds wrote different record counts (this build ${counts.get('thisBuild')}, the other ${counts.get('otherBuild')}); compare builds that compute the same output`,
          1,
        );
      }
    }
    jobs.push(comparison);
  }
  return { machine: machine(), against, jobs };
}

/** The table printed by `sluice bench flink --against`. */
export function formatBuildComparison(report: BuildComparisonReport): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const signed = (percent: number | null) => (percent === null ? '-' : `${percent > 0 ? '+' : ''}${percent}%`);
  const steadyMedian = (runs: BuildRuns) => (sampledSteady(runs).length === 0 ? '-' : String(Math.round(median(sampledSteady(runs)))));
  const rows = report.jobs.flatMap((c) => [
    [
      c.job,
      'this build',
      String(c.inputRecords),
      c.thisBuild.cpuMs.map(seconds).join(' '),
      seconds(median(c.thisBuild.cpuMs)),
      seconds(median(c.thisBuild.elapsedMs)),
      signed(cpuChangePercent(c)),
      steadyMedian(c.thisBuild),
      signed(steadyChangePercent(c)),
    ],
    ['', 'other build', '', c.otherBuild.cpuMs.map(seconds).join(' '), seconds(median(c.otherBuild.cpuMs)), seconds(median(c.otherBuild.elapsedMs)), '', steadyMedian(c.otherBuild), ''],
  ]);
  const header = ['job', 'build', 'events in', 'CPU s of each full run', 'median CPU s', 'median wall s', 'CPU change', 'median steady events/CPU-s', 'steady change'];
  const m = report.machine;
  return (
    alignedRows(header, rows) + `machine: ${m.cores} cores, ${m.cpu}; other build: ${report.against}; full runs, start-up included, the two builds alternately (ABBA), neither with the class archive\n`
  );
}
