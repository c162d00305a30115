/**
 * The Flink SQL jobs running unbounded on one machine: each job in its own mini-cluster JVM over
 * the local Kafka broker (sql/flink/<job>/tables.kafka.sql), checkpointing into a local directory.
 * A failed task is restored by Flink's restart strategy inside the JVM; a JVM that dies is started
 * again from its latest retained checkpoint, as Managed Flink restores an application from its
 * snapshot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FlinkJobName } from '../core/jobs';
import { UserError } from '../core/user-error';
import { ensureRunnerJar, flinkJvmOptions, runnerPaths } from './flink';

export interface StreamJobOptions {
  job: FlinkJobName;
  bootstrap: string;
  /** The job's checkpoint directory; each run writes `<dir>/<job id>/chk-<n>/`. */
  checkpoints: string;
  /** The local lake whose Iceberg tables the job commits to on every checkpoint. */
  lake: string;
  checkpointIntervalMs: number;
  /** A completed checkpoint to start from (see {@link latestCheckpoint}). */
  restore?: string;
  /** The job's SQL parameters (processing values and topics). */
  params: Record<string, string>;
  heap?: string;
  /**
   * A file whose creation injects one task failure: the job's source task throws at its next
   * record, and Flink's restart strategy restores the job from its latest checkpoint in the same
   * JVM. The runner moves the file aside when it fails, so it happens once.
   */
  failTrigger?: string;
  /** Told each status the job enters after it started (RESTARTING when a task failed, RUNNING once restored). */
  onJobStatus?: (status: string, atMs: number) => void;
  onStderr?: (chunk: string) => void;
}

export interface StreamJob {
  readonly job: FlinkJobName;
  readonly pid: number;
  readonly jobId: string;
  readonly restoredFrom: string | null;
  /** Settles when the JVM ends, with its exit code (or the signal that ended it). */
  readonly exited: Promise<number | string | null>;
  /** Kills the JVM at once (SIGKILL): a crash, for tests of recovery. */
  kill(): Promise<void>;
  /** Stops the job (SIGTERM, SIGKILL after 10 s) and waits for the JVM to end. */
  stop(): Promise<void>;
}

export class StreamJobError extends UserError {
  override readonly name: string = 'StreamJobError';
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** The java command line of an unbounded run. */
export function streamJobCommand(opts: StreamJobOptions, paths = runnerPaths()): string[] {
  const classpath = [paths.jar, readFileSync(paths.classpath, 'utf8').trim()].join(':');
  const args = [
    ...flinkJvmOptions(paths.pom),
    `-Xmx${opts.heap ?? '512m'}`,
    `-Dlog4j.configurationFile=${paths.logConfig}`,
    '-cp',
    classpath,
    'dev.sluice.flink.SqlRunner',
    '--job',
    opts.job,
    '--stream',
    '--checkpoints',
    opts.checkpoints,
    '--lake',
    opts.lake,
    '--checkpoint-interval-ms',
    String(opts.checkpointIntervalMs),
  ];
  if (opts.restore) args.push('--restore', opts.restore);
  if (opts.failTrigger !== undefined) args.push('--fail-trigger', opts.failTrigger);
  for (const [name, value] of Object.entries(opts.params)) args.push('--param', `${name}=${value}`);
  return args;
}

/** The newest completed checkpoint (a chk-<n> directory with its _metadata) under `dir`, or null. */
export function latestCheckpoint(dir: string): { path: string; id: number; completedAt: Date } | null {
  if (!existsSync(dir)) return null;
  let best: { path: string; id: number; completedAt: Date } | null = null;
  for (const run of readdirSync(dir)) {
    const runDir = join(dir, run);
    if (!statSync(runDir).isDirectory()) continue;
    for (const entry of readdirSync(runDir)) {
      const match = /^chk-(\d+)$/.exec(entry);
      const metadata = join(runDir, entry, '_metadata');
      if (!match || !existsSync(metadata)) continue;
      const completedAt = statSync(metadata).mtime;
      if (!best || completedAt > best.completedAt) best = { path: join(runDir, entry), id: Number(match[1]), completedAt };
    }
  }
  return best;
}

/** Starts one job and resolves once Flink has accepted it (the runner prints its job id). */
export async function startStreamJob(opts: StreamJobOptions): Promise<StreamJob> {
  ensureRunnerJar();
  installExitHook();
  // Its own process group: Ctrl-C reaches the owner, which stops the job, not the job directly.
  const child = spawn('java', streamJobCommand(opts), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    opts.onStderr?.(chunk);
  });
  const exited = new Promise<number | string | null>((done) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      done(null);
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      done(code ?? signal);
    });
  });
  // The runner prints one line once the job runs, then one per change of the job's status.
  const started = new Promise<{ job_id: string; restored_from: string | null }>((resolveStart) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"job"')) resolveStart(JSON.parse(line) as { job_id: string; restored_from: string | null });
      else if (line.startsWith('{"job_status"')) {
        const change = JSON.parse(line) as { job_status: string; at_ms: number };
        opts.onJobStatus?.(change.job_status, change.at_ms);
      }
    });
  });
  const summary = await Promise.race([
    started,
    exited.then((code) => {
      const refusal = /^sluice-flink-runner: (.*)$/m.exec(stderr);
      throw new StreamJobError(`flink job ${opts.job} ended (${code}) before it ran: ${refusal ? refusal[1] : stderr.trim().split('\n').slice(-20).join('\n')}`);
    }),
  ]);
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };
  return {
    job: opts.job,
    pid: child.pid!,
    jobId: summary.job_id,
    restoredFrom: summary.restored_from,
    exited,
    kill: () => end('SIGKILL', 0),
    stop: () => end('SIGTERM', 10_000),
  };
}
