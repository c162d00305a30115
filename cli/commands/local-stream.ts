import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { projectRoot } from '../../core/project';
import { generate } from '../../local/generator';
import { checkInput } from '../../local/input';
import { UserError } from '../../core/user-error';
import type { StreamStatus } from '../../local/stream';
import { loadStackFile } from '../../stacks/file';

export interface StreamCommandOptions {
  input?: string;
  events: number;
  seed: number;
  duplicates: number;
  invalid: number;
  late: number;
  out: string;
  stack: string;
  heap: string;
  rate: number;
  checkpointInterval: number;
  /** Fail a task of dedup-filter once its source has read this many events. */
  killAfter?: number;
  /** Kill dedup-filter's JVM once this many events are processed. */
  killProcessAfter?: number;
  stopWhenDone: boolean;
}

const n = (v: number) => v.toLocaleString('en-US');

/** The one-line live status: per-stage totals and rates, lag, each job's last checkpoint. */
export function formatStatus(s: StreamStatus): string {
  const stage = (name: string, st: { records: number; perSecond: number }) => `${name} ${n(st.records)} (${n(st.perSecond)}/s)`;
  const checkpoint = (job: keyof StreamStatus['checkpoints']) => {
    const c = s.checkpoints[job];
    return c ? `#${c.id} ${c.ageSeconds.toFixed(1)}s ago` : 'none yet';
  };
  const restarts = s.restarts['dedup-filter'] + s.restarts.aggregate;
  return [
    `${s.seconds.toFixed(0)}s`,
    stage('ingest', s.produced),
    stage('validated', s.validated),
    stage('processed', s.processed),
    `aggregates ${n(s.aggregates.records)} windows/${n(s.aggregates.events)} events`,
    `lag ingest ${n(s.lag.ingest)} events ${n(s.lag.events)} processed ${n(s.lag.processed)}`,
    `commit dedup-filter ${checkpoint('dedup-filter')}, aggregate ${checkpoint('aggregate')}`,
    ...(restarts > 0 ? [`restarts ${restarts}`] : []),
  ].join(' | ');
}

/** The report printed when the run stops. */
export function formatStreamReport(s: StreamStatus, reportPath: string): string {
  const rows: [string, string][] = [
    ['produced to ingest', n(s.produced.records)],
    ['validated', n(s.validated.records)],
    ['  valid (to events)', n(s.validated.valid)],
    ['  invalid (to the error zone)', n(s.validated.invalid)],
    ['processed (committed)', n(s.processed.records)],
    ['aggregate windows (committed)', n(s.aggregates.records)],
    ['events counted in windows', n(s.aggregates.events)],
    ['dedup-filter restarts', n(s.restarts['dedup-filter'])],
    ['aggregate restarts', n(s.restarts.aggregate)],
    ['seconds', s.seconds.toFixed(1)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const recoveries = s.recoveries.map(
    (r) =>
      `  ${r.job} at ${r.atSeconds.toFixed(1)} s: ${r.kind === 'task' ? 'a task failed, restored in its JVM' : 'its JVM died, started again'} from ${r.checkpoint === null ? 'the start of its input' : `checkpoint ${r.checkpoint}`} (${n(r.processedCommitted)} processed committed before)`,
  );
  return ['Summary', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v.padStart(12)}`), ...(recoveries.length > 0 ? ['', 'Recoveries', ...recoveries] : []), '', `report: ${reportPath}`, ''].join('\n');
}

async function* fileLines(path: string): AsyncIterable<string> {
  const raw = createReadStream(path);
  const head = await new Promise<Buffer>((done) => raw.once('readable', () => done((raw.read(2) as Buffer | null) ?? Buffer.alloc(0))));
  raw.unshift(head);
  const text = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  for await (const line of createInterface({ input: text, crlfDelay: Infinity })) if (line.trim() !== '') yield line;
}

/** `sluice local --stream`: runs until Ctrl-C (or, with --stop-when-done, until everything is through). */
export async function runStreamCommand(opts: StreamCommandOptions): Promise<void> {
  if (opts.input !== undefined) checkInput(opts.input);
  const config = loadStackFile(opts.stack, projectRoot());
  const out = resolve(opts.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'stream-report.json'))) {
    throw new UserError(`--out ${opts.out} already holds files that are not a previous streaming run (no stream-report.json); choose an empty or new directory`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The streaming platform (Kafka client, broker and job launchers) loads only when it is used.
  const { startStreamRun } = await import('../../local/stream');
  const lines = opts.input !== undefined ? fileLines(opts.input) : generate(opts).lines;
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const run = await startStreamRun({
    dir: out,
    config,
    lines,
    ratePerSecond: opts.rate,
    checkpointIntervalMs: opts.checkpointInterval * 1000,
    failAfter: opts.killAfter,
    killProcessAfter: opts.killProcessAfter,
    heap: opts.heap,
    log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`),
    onStatus: (s) => {
      if (tty) process.stderr.write(`\r\x1b[K${formatStatus(s)}`);
      else if (s.seconds - lastPrinted >= 5) {
        lastPrinted = s.seconds;
        process.stderr.write(`${formatStatus(s)}\n`);
      }
    },
  });
  const interrupted = new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  const drained = opts.stopWhenDone ? waitUntilDrained(run, opts.checkpointInterval * 1000) : new Promise<void>(() => undefined);
  let failure: unknown;
  await Promise.race([interrupted, drained, run.failed.catch((err) => (failure = err))]);
  process.stderr.write(`${tty ? '\r\x1b[K' : ''}stopping: producer, validator, both jobs, broker\n`);
  const final = await run.stop();
  const reportPath = join(out, 'stream-report.json');
  writeFileSync(reportPath, `${JSON.stringify(final, null, 2)}\n`);
  process.stdout.write(formatStreamReport(final, reportPath));
  if (failure) throw failure;
}

/** Everything produced has been validated and no stage has moved for two checkpoint intervals. */
async function waitUntilDrained(run: Awaited<ReturnType<typeof import('../../local/stream').startStreamRun>>, checkpointMs: number): Promise<void> {
  await run.produced;
  let last = '';
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const s = await run.status();
    const key = `${s.validated.records}/${s.processed.records}/${s.aggregates.records}`;
    if (key !== last) {
      last = key;
      since = Date.now();
    } else if (s.validated.records >= s.produced.records && s.lag.events === 0 && Date.now() - since > 2 * checkpointMs + 2000) {
      return;
    }
  }
}
