import { fork } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from '../../core/events/registry';
import { createContext, validateLine } from '../../core/events/validate';
import { generate } from '../generator';
import { LineWriter } from '../line-writer';
import { describeMachine, Machine, machine } from './machine';
import { median } from './median';
import { projectRoot } from '../../core/project';

/** Results of `sluice bench ingest`; see {@link benchIngest}. */
export interface IngestBenchResult {
  machine: Machine;
  throughput: {
    events: number;
    meanEventBytes: number;
    rounds: number;
    /** Median over rounds, single thread (one core). */
    parseEventsPerSecond: number;
    validateEventsPerSecond: number;
    /** validate time / parse-only time: the cost of validation + enrichment relative to JSON.parse alone. */
    costRatio: number;
    /** Share of the events whose name has a schema in the registry (ajv runs on those). */
    schemaCoverage: number;
  };
  memory?: {
    fileBytes: number;
    records: number;
    valid: number;
    invalid: number;
    published: number;
    putRecordsCalls: number;
    errorObjects: number;
    seconds: number;
    /** Resident set size of the child once its modules are loaded, before reading. */
    baselineRssMb: number;
    /** Peak resident set size of the child process over the whole run (getrusage maxrss). */
    peakRssMb: number;
  };
}

export interface IngestBenchOptions {
  events?: number;
  rounds?: number;
  /** Size of the JSON-lines file for the memory run, in MiB; 0 skips it. Default 100. */
  fileMb?: number;
  /** Where the generated file is kept (reused when its size matches). Default .sluice/bench. */
  workDir?: string;
  /** Remove the large file after the run instead of keeping it for the next one. */
  clean?: boolean;
  log?: (line: string) => void;
}

function throughput(events: number, rounds: number): IngestBenchResult['throughput'] {
  const lines = [...generate({ events, seed: 1 }).lines];
  const registry = loadRegistry();
  const ctx = createContext({ source: 'bench', registry });
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  let sink = 0;
  let covered = 0;
  // Warm-up, so both loops run optimised code.
  for (const l of lines) {
    sink += (JSON.parse(l) as { created_at: number }).created_at;
    const r = validateLine(l, ctx);
    if (r.ok && registry.has(r.envelope.event_name)) covered++;
  }
  const parseRates: number[] = [];
  const validateRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let t = process.hrtime.bigint();
    for (const l of lines) sink += (JSON.parse(l) as { created_at: number }).created_at;
    const parseNs = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    for (const l of lines) {
      const r = validateLine(l, ctx);
      if (r.ok) sink += r.json.length;
    }
    const validateNs = Number(process.hrtime.bigint() - t);
    parseRates.push((lines.length * 1e9) / parseNs);
    validateRates.push((lines.length * 1e9) / validateNs);
    ratios.push(validateNs / parseNs);
  }
  if (sink === 0) throw new Error('benchmark loops were optimised away');
  return {
    events,
    meanEventBytes: Math.round(bytes / lines.length),
    rounds,
    parseEventsPerSecond: Math.round(median(parseRates)),
    validateEventsPerSecond: Math.round(median(validateRates)),
    costRatio: Math.round(median(ratios) * 100) / 100,
    schemaCoverage: Math.round((covered / lines.length) * 1000) / 1000,
  };
}

/** Where the memory run's large file is kept between runs (git-ignored). */
export const INGEST_BENCH_DIR = join(projectRoot(), '.sluice', 'bench');

async function ensureFile(dir: string, mib: number, log: (line: string) => void): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `events-${mib}mib.jsonl`);
  const target = mib * 1024 * 1024;
  // The writer stops at the last whole line that fits, a few hundred bytes short of the target.
  if (existsSync(path) && statSync(path).size <= target && statSync(path).size > target - 64 * 1024) {
    log(`reusing ${path} (${mib} MiB, written by an earlier run)`);
    return path;
  }
  log(`writing ${path} (${mib} MiB of generated events, 1% invalid, 1% duplicates)...`);
  const out = new LineWriter(path);
  let written = 0;
  const run = generate({ events: Math.ceil(target / 900) + 1000, seed: 2, invalid: 0.01, duplicates: 0.01 });
  for (const line of run.lines) {
    if (written + line.length + 1 > target) break;
    await out.write(line);
    written += Buffer.byteLength(line) + 1;
  }
  await out.close();
  return path;
}

function memoryRun(file: string): Promise<NonNullable<IngestBenchResult['memory']>> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'ingest-child.ts'), [file], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: NonNullable<IngestBenchResult['memory']> | undefined;
    child.on('message', (m) => {
      result = m as NonNullable<IngestBenchResult['memory']>;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`memory benchmark child exited with code ${code}`))));
  });
}

/**
 * Measures ingestion: validation + enrichment throughput on one core against a JSON.parse-only
 * baseline in the same run, and the peak memory of ingesting a large JSON-lines file through the
 * s3-ingest code path (streaming reader, validator, Kinesis publisher, error-zone writer) in a
 * child process, with Kinesis and S3 replaced by counting sinks.
 */
export async function benchIngest(opts: IngestBenchOptions = {}): Promise<IngestBenchResult> {
  const log = opts.log ?? (() => undefined);
  const result: IngestBenchResult = {
    machine: machine(),
    throughput: throughput(opts.events ?? 50000, opts.rounds ?? 7),
  };
  const mib = opts.fileMb ?? 100;
  if (mib > 0) {
    const file = await ensureFile(opts.workDir ?? INGEST_BENCH_DIR, mib, log);
    try {
      result.memory = await memoryRun(file);
    } finally {
      if (opts.clean) {
        rmSync(file, { force: true });
        log(`removed ${file} (--clean)`);
      } else {
        log(`kept ${file} (${mib} MiB) for the next run; --clean removes it`);
      }
    }
  }
  return result;
}

/** The report printed by `sluice bench ingest`. */
export function formatIngestBench(r: IngestBenchResult): string {
  const t = r.throughput;
  const lines = [
    `machine: ${describeMachine(r.machine)}`,
    `validation + enrichment, one core, ${t.events} generated events of ${t.meanEventBytes} bytes on average (median of ${t.rounds} rounds):`,
    `  JSON.parse only:            ${t.parseEventsPerSecond.toLocaleString('en-US')} events/s`,
    `  validate + enrich:          ${t.validateEventsPerSecond.toLocaleString('en-US')} events/s (target >= 150,000)`,
    `  cost relative to parse:     ${t.costRatio.toFixed(2)}x (target <= 1.5x); ${(t.schemaCoverage * 100).toFixed(1)}% of events checked against a payload schema`,
  ];
  const m = r.memory;
  if (m) {
    lines.push(
      `ingesting a ${(m.fileBytes / 2 ** 20).toFixed(0)} MiB JSON-lines file through the s3-ingest code path (Kinesis and S3 replaced by counting sinks), in a child process:`,
      `  ${m.records} records: ${m.valid} valid (${m.published} published in ${m.putRecordsCalls} PutRecords calls), ${m.invalid} invalid (${m.errorObjects} error-zone objects), ${m.seconds.toFixed(1)} s`,
      `  peak RSS ${m.peakRssMb.toFixed(0)} MB (target <= 256 MB); ${m.baselineRssMb.toFixed(0)} MB of it before reading the first byte`,
    );
  }
  return lines.join('\n') + '\n';
}
