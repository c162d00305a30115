import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jobSqlParameters, type FlinkJobName } from '../core/jobs';
import { defaultProcessingConfig } from '../stacks/load';
import type { ProcessingConfig } from '../stacks/types';
import { UserError } from '../core/user-error';
import { acceptedEvents } from './accepted-events';
import { undoOnInterrupt } from './interrupt';
import { projectRoot } from '../core/project';
import type { LakeFiles } from './lake-files';

/** Where the runner module, its local jar and its local classpath live. */
export function runnerPaths(root = projectRoot()) {
  const dir = join(root, 'sql', 'runner');
  return {
    dir,
    pom: join(dir, 'pom.xml'),
    jar: join(dir, 'target', 'sluice-flink-runner.jar'),
    classpath: join(dir, 'target', 'runtime-classpath.txt'),
    /** Touched after each successful build: Maven leaves an unchanged jar's time as it was. */
    stamp: join(dir, 'target', '.sluice-built'),
    /** The classes a local run loads, archived for class data sharing (ensureRunnerJar). */
    classArchive: join(dir, 'target', 'sluice-flink-runner.jsa'),
    logConfig: join(dir, 'log4j2-local.properties'),
    sources: [join(dir, 'pom.xml'), join(dir, 'src', 'main'), join(root, 'sql', 'flink')],
  };
}

/**
 * The JVM options Flink needs on Java 17, read from the runner's pom.xml (property
 * flink.jvm.opens), the same list the Maven tests run with.
 */
export function flinkJvmOptions(pom = runnerPaths().pom): string[] {
  const match = /<flink\.jvm\.opens>([^<]+)<\/flink\.jvm\.opens>/.exec(readFileSync(pom, 'utf8'));
  if (!match) throw new Error(`${pom} has no <flink.jvm.opens> property; restore it from version control`);
  // Java ignores TMPDIR: without this Flink's io and blob directories land in /tmp whatever the caller chose.
  return [...match[1].trim().split(/\s+/), `-Djava.io.tmpdir=${tmpdir()}`];
}

function newestModification(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestModification(join(path, entry))), stat.mtimeMs);
}

/** True when the local jar or classpath is missing, or older than a source or SQL file. */
export function runnerJarIsStale(paths = runnerPaths()): boolean {
  if (![paths.jar, paths.classpath, paths.stamp].every((file) => existsSync(file))) return true;
  const built = statSync(paths.stamp).mtimeMs;
  return paths.sources.some((source) => existsSync(source) && newestModification(source) > built);
}

/**
 * Builds the runner jar with Maven when it is missing or stale, and archives its classes when the
 * archive is missing or older than the jar; says so on `log`.
 */
export function ensureRunnerJar(log: (line: string) => void = (line) => process.stderr.write(line + '\n')): string {
  const paths = runnerPaths();
  if (runnerJarIsStale(paths)) buildRunnerJar(paths, log);
  if (!classArchiveIsCurrent(paths)) archiveRunnerClasses(paths, log);
  return paths.jar;
}

function buildRunnerJar(paths: ReturnType<typeof runnerPaths>, log: (line: string) => void): void {
  log('building the Flink SQL runner jar (mvn -q -B package -DskipTests in sql/runner); the first build downloads Flink and takes a minute or two');
  const build = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: paths.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (build.error) throw new Error(`cannot run mvn (${build.error.message}); install Maven 3.8+ and Java 17, then retry`);
  if (build.status !== 0) {
    throw new Error(`building the Flink SQL runner failed (mvn exited ${build.status}):\n${(build.stdout + build.stderr).trim()}`);
  }
  writeFileSync(paths.stamp, '');
}

/** True when the class archive exists and is not older than the jar (the JVM refuses it otherwise). */
function classArchiveIsCurrent(paths: ReturnType<typeof runnerPaths>): boolean {
  return existsSync(paths.classArchive) && statSync(paths.classArchive).mtimeMs >= statSync(paths.jar).mtimeMs;
}

/**
 * Runs both jobs over a few generated events in a JVM that writes the classes it loaded to the
 * class archive when it exits (class data sharing, JDK 17's -XX:ArchiveClassesAtExit). Every later
 * runner JVM maps them instead of reading, parsing and verifying them from the jars: each start
 * costs about 4 CPU-seconds less (sluice bench local). Without the archive the JVMs start as
 * before, so a failure here is reported and nothing more.
 */
function archiveRunnerClasses(paths: ReturnType<typeof runnerPaths>, log: (line: string) => void): void {
  log("archiving the Flink SQL runner's classes for faster JVM starts (one run of both jobs over a few events)");
  const work = mkdtempSync(join(tmpdir(), 'sluice-class-archive-'));
  const partial = `${paths.classArchive}.${process.pid}.partial`;
  try {
    writeFileSync(join(work, 'events.jsonl'), [...acceptedEvents({ events: 200, seed: 1 }, 'class-archive')].map((event) => `${event}\n`).join(''));
    const processing = defaultProcessingConfig();
    const runs: FlinkJobRun[] = [
      { job: 'dedup-filter', input: join(work, 'events.jsonl'), output: join(work, 'd'), lake: join(work, 'lake'), params: jobSqlParameters('dedup-filter', { processing }) },
      { job: 'aggregate', input: join(work, 'd', 'processed.jsonl'), output: join(work, 'a'), lake: join(work, 'lake'), params: jobSqlParameters('aggregate', { processing }) },
    ];
    const args = flinkCommand(runs, undefined, paths, { archiveClassesTo: partial });
    const run = spawnSync('java', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status === 0 && existsSync(partial)) renameSync(partial, paths.classArchive);
    else log(`archiving the runner's classes failed (java exited ${run.status}); runner JVMs start without the archive:\n${(run.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}

/** One job of a local run. */
export interface FlinkJobRun {
  job: FlinkJobName;
  /** A JSON-lines file: enriched events for dedup-filter, processed events for aggregate. */
  input: string;
  /**
   * For an input that the caller is still appending to: a file the caller creates once the input
   * is complete. The job reads the lines as they are appended (a 1 MiB buffer at a time) and ends
   * once this file exists and every line is read; the JVM exits if the caller goes first (its
   * standard input closes).
   */
  inputCompleteWhen?: string;
  /** Output directory; receives one <sink>.jsonl file per sink of the job. */
  output: string;
  /** The local lake whose Iceberg tables the job writes (default `<output>/lake`). */
  lake?: string;
  /** Every parameter the job uses (name -> value), validated by the runner, which has no defaults. */
  params: Record<string, string>;
}

/** The runner's JVM. */
export interface FlinkJvmOptions {
  /** Maximum JVM heap, e.g. "1g". Default 1g. */
  heap?: string;
  /**
   * Another build's runner jar (sluice bench flink --against), run instead of this build's with
   * this build's classpath and JVM options, and without the class archive, which is this build's.
   * Its pom must pin the same dependencies.
   */
  runnerJar?: string;
  /** Receives the runner's standard error (Flink's logs at ERROR level, refusals); default: ours. */
  onStderr?: (chunk: string) => void;
}

export type FlinkRunOptions = FlinkJobRun & FlinkJvmOptions;

export interface FlinkSinkOutput {
  path: string;
  records: number;
}

/** The runner's summary of a local run. */
export interface FlinkRunSummary {
  job: FlinkJobName;
  /** From submitting the job to the end of its input, in the mini-cluster. */
  elapsed_ms: number;
  /** CPU time the runner's JVM used over the same span (operators, mini-cluster, JIT, GC). */
  cpu_ms: number;
  /**
   * The records the source read, and the CPU and wall time, between the moments it had read a fifth
   * and nine tenths of the input's bytes (sampled every 100 ms): the job past the JIT compiler's
   * warm-up and before its last commit. Null for an input still appended to, or one read too fast
   * to sample.
   */
  steady: { records: number; cpu_ms: number; elapsed_ms: number } | null;
  outputs: Record<string, FlinkSinkOutput>;
  /**
   * The lake's tables that have a snapshot after the run, each with its live data files, as
   * listLakeFiles() reads them.
   */
  lake: { path: string; tables: LakeFiles };
}

/**
 * A local Flink run that failed. The runner exits 2 when it refuses a parameter or an input path,
 * a command-line problem (exit code 2); anything else is a failed run (1).
 */
export class FlinkRunError extends UserError {
  constructor(
    message: string,
    readonly runnerExitCode: number | null,
  ) {
    super(message, runnerExitCode === 2 ? 2 : 1);
  }
}

/** How a runner JVM uses the class archive (archiveRunnerClasses). */
export interface ClassArchiveOptions {
  /** Record the classes it loads into this archive when it exits. */
  archiveClassesTo?: string;
  /** False: start without the archive even when it is current. */
  classArchive?: boolean;
}

/** `java` with the runner jar, its classpath and the pom's JVM options, running `mainClass` with `args`. */
export function localJavaCommand(mainClass: string, args: string[], heap = '1g', paths = runnerPaths(), opts: ClassArchiveOptions = {}): string[] {
  const classpath = [paths.jar, readFileSync(paths.classpath, 'utf8').trim()].join(':');
  // The class archive (archiveRunnerClasses): used when current, recorded when asked for. The JVM's
  // own notes on it (a class it cannot archive, an archive it cannot use) stay off standard output,
  // which carries the runner's summaries.
  const archiveFlag = opts.archiveClassesTo
    ? `-XX:ArchiveClassesAtExit=${opts.archiveClassesTo}`
    : opts.classArchive !== false && classArchiveIsCurrent(paths)
      ? `-XX:SharedArchiveFile=${paths.classArchive}`
      : undefined;
  const classSharing = archiveFlag === undefined ? [] : [archiveFlag, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'];
  // Flink's blob store and spill files follow TMPDIR, as every other temporary file of a run does.
  // The parallel collector: a local run is a batch over a file, where throughput matters and pauses
  // do not, and it costs the jobs about a fifth less CPU than G1 (sluice bench flink). The heap starts
  // at its maximum and metaspace at 256 MiB: growing either made the collector run full collections
  // (three of 0.4-0.5 s in a run of a million events, four more while classes load).
  return [
    'java',
    ...flinkJvmOptions(paths.pom),
    '-XX:+UseParallelGC',
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:MetaspaceSize=256m',
    ...classSharing,
    `-Dlog4j.configurationFile=${paths.logConfig}`,
    '-cp',
    classpath,
    mainClass,
    ...args,
  ];
}

function jobArgs(run: FlinkJobRun): string[] {
  const args = ['--job', run.job, '--input', resolve(run.input), '--output', resolve(run.output)];
  if (run.inputCompleteWhen !== undefined) args.push('--input-complete-when', resolve(run.inputCompleteWhen));
  if (run.lake !== undefined) args.push('--lake', resolve(run.lake));
  for (const [name, value] of Object.entries(run.params)) args.push('--param', `${name}=${value}`);
  return args;
}

/**
 * The java arguments (without `java` itself) for local runs of one or more jobs, one after another
 * in one JVM (the runner's `--then`): a later job may read an earlier one's output.
 */
export function flinkCommand(runs: FlinkJobRun | readonly FlinkJobRun[], heap?: string, paths = runnerPaths(), opts: ClassArchiveOptions = {}): string[] {
  const list = Array.isArray(runs) ? runs : [runs as FlinkJobRun];
  const args = list.flatMap((run, i) => (i === 0 ? jobArgs(run) : ['--then', ...jobArgs(run)]));
  return localJavaCommand('dev.sluice.flink.SqlRunner', args, heap, paths, opts).slice(1);
}

/** Jobs running one after another in one Flink JVM (launchFlinkJobs). */
export interface FlinkJobs {
  /** One per job, in order, each resolved with the job's summary as soon as that job ends. */
  readonly summaries: Promise<FlinkRunSummary>[];
  /**
   * For a caller whose own work failed: closes the runner's standard input. A runner with a run
   * over an input still appended to (`inputCompleteWhen`) then exits through its shutdown hooks,
   * which remove its scratch directory, and every job that has not ended fails; one over complete
   * files runs its jobs to their end.
   */
  stop(): void;
}

/**
 * Runs jobs locally, one after another in one Flink JVM, with the packaged SQL: the JVM starts, and
 * the planner's code is compiled, once for all of them.
 */
export function launchFlinkJobs(runs: readonly FlinkJobRun[], jvm: FlinkJvmOptions = {}): FlinkJobs {
  ensureRunnerJar();
  const paths = jvm.runnerJar === undefined ? runnerPaths() : { ...runnerPaths(), jar: resolve(jvm.runnerJar) };
  const settlers = runs.map(() => ({}) as { resolve: (s: FlinkRunSummary) => void; reject: (e: Error) => void });
  const summaries = runs.map(
    (_, i) =>
      new Promise<FlinkRunSummary>((resolve, reject) => {
        settlers[i] = { resolve, reject };
      }),
  );
  // A caller that stops at the first failure does not await the later jobs: their rejection is expected.
  for (const summary of summaries) summary.catch(() => undefined);
  const args = flinkCommand(runs, jvm.heap, paths, { classArchive: jvm.runnerJar === undefined });
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A JVM that has already exited closes its end of the pipe; its exit is reported below.
  child.stdin.on('error', () => undefined);
  const forget = undoOnInterrupt(() => child.kill('SIGKILL'));
  let ended = 0;
  let pending = '';
  let stderr = '';
  // What else reaches standard output: the JVM writes its own start-up errors there (a heap it
  // cannot reserve), before any of the runner's code runs.
  let otherOutput = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{') && ended < runs.length) settlers[ended++].resolve(JSON.parse(line) as FlinkRunSummary);
      else otherOutput += `${line}\n`;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    jvm.onStderr?.(chunk);
  });
  const failRest = (error: (job: FlinkJobName) => FlinkRunError) => {
    while (ended < runs.length) settlers[ended].reject(error(runs[ended++].job));
  };
  child.on('error', (err) => failRest(() => new FlinkRunError(`cannot run java (${err.message}); install Java 17 and retry`, null)));
  child.on('close', (exitCode) => {
    forget();
    const printed = (stderr.trim() || `${otherOutput}${pending}`.trim()).split('\n').slice(-20).join('\n');
    if (exitCode === 0 && ended < runs.length) {
      failRest((job) => new FlinkRunError(`flink job ${job} ended without a summary; the runner printed:\n${printed}`, 1));
    }
    const refusal = /^sluice-flink-runner: (.*)$/m.exec(stderr);
    const detail = refusal ? refusal[1] : printed;
    failRest((job) => new FlinkRunError(`flink job ${job} failed: ${detail}`, exitCode));
  });
  return {
    summaries,
    stop: () => child.stdin.end(),
  };
}

/**
 * The platform's two jobs over one input, as they run in the cloud: dedup-filter over `input` into
 * `<work>/dedup-filter/`, then aggregate over its `processed` output into `<work>/aggregate/`, both
 * writing their Iceberg tables into `lake`, in one JVM (launchFlinkJobs); `summaries` holds
 * dedup-filter's, then aggregate's. With `inputCompleteWhen`, dedup-filter reads `input` while the
 * caller appends to it (FlinkJobRun.inputCompleteWhen).
 */
export function launchPlatformJobs(
  input: string,
  work: string,
  lake: string,
  config: { readonly processing: ProcessingConfig },
  jvm: FlinkJvmOptions = {},
  opts: { inputCompleteWhen?: string } = {},
): FlinkJobs {
  const dedupDir = join(work, 'dedup-filter');
  return launchFlinkJobs(
    [
      { job: 'dedup-filter', input, ...opts, output: dedupDir, lake, params: jobSqlParameters('dedup-filter', config) },
      { job: 'aggregate', input: join(dedupDir, 'processed.jsonl'), output: join(work, 'aggregate'), lake, params: jobSqlParameters('aggregate', config) },
    ],
    jvm,
  );
}

/** Runs one job locally in a Flink mini-cluster with the packaged SQL; resolves with its summary. */
export async function runFlinkJob(opts: FlinkRunOptions): Promise<FlinkRunSummary> {
  return launchFlinkJobs([opts], opts).summaries[0];
}
