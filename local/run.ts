/**
 * The whole platform on one machine: the ingestion functions' validation code, the Flink SQL jobs
 * in a local mini-cluster, the lake written with DuckDB in the S3 layout, and the analysts' named
 * queries on it. Everything is built in a scratch directory beside `--out` and moved into place
 * only when every stage has succeeded, so a failed run never leaves a half-written lake.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createReadStream, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, closeSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { loadRegistry } from '../core/events/registry';
import { createContext } from '../core/events/validate';
import { errorKey } from '../core/error-zone';
import { ingestFile, type IngestCounts } from '../functions/ingest/pipeline';
import { jobSqlParameters } from '../core/jobs';
import { loadStackFile } from '../stacks/file';
import { SluiceConfig } from '../stacks/types';
import { runFlinkJob } from './flink';
import { acceptedAtEndOfSpan, generate, type GeneratorStats } from './generator';
import { linesOfFile, queryLocalLake, writeAggregates, writeCuratedEvents, writeRawArchive } from './lake';
import { LineWriter } from './line-writer';
import { loadNamedQueries, renderQuery, type NamedQuery } from '../core/named-queries';
import { projectRoot } from '../core/project';

/** Input or output the local run cannot use; the message names it and says what to do. */
export class LocalRunError extends Error {}

export interface LocalOptions {
  /** Output directory: receives `lake/`, `errors/` and `report.json`. */
  out: string;
  /** Events file (JSON lines, JSON array, or gzip of either); without it, events are generated. */
  input?: string;
  /** Generator settings, used when there is no `input`. */
  events: number;
  seed: number;
  duplicates: number;
  invalid: number;
  late: number;
  /** The stack whose validation and processing config the run uses. */
  stack: string;
  /** Source name written into every event and error line. */
  source: string;
  /** Maximum heap of each Flink mini-cluster. */
  heap?: string;
  progress?: (update: Progress) => void;
}

export interface Progress {
  stage: StageName;
  /** Events handled so far in this stage. */
  events: number;
  seconds: number;
  done: boolean;
}

export const STAGES = ['generate', 'ingest', 'dedup_filter', 'aggregate', 'lake', 'queries'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageFigures {
  seconds: number;
  events: number;
  events_per_second: number;
}

export interface QueryOutcome {
  params: Record<string, string>;
  columns: string[];
  rows: (string | null)[][];
}

export interface LocalReport {
  input: { kind: 'generated' | 'file'; path?: string; seed?: number };
  stack: string;
  source: string;
  ingested_at: string;
  read: number;
  valid: number;
  invalid: number;
  invalid_by_reason: Record<string, number>;
  duplicates_removed: number;
  filtered: number;
  filtered_by_rule: { excluded_event_type: number; excluded_event_name: number; future_skew: number };
  processed: number;
  late: number;
  aggregate_rows: number;
  parquet_files: number;
  parquet_bytes: number;
  stages: Partial<Record<StageName, StageFigures>>;
  total_seconds: number;
  queries: Record<string, QueryOutcome>;
  /** What the generator says it produced, for generated input. */
  generated?: GeneratorStats;
}

/** Refuses input that is missing, a directory, or binary, before any work starts. */
export function checkInput(path: string): void {
  if (!existsSync(path)) throw new LocalRunError(`--input ${path} does not exist; give a JSON-lines, JSON-array or gzip file, or leave --input out to generate events`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new LocalRunError(`--input ${path} is a directory; give one events file (JSON lines, a JSON array, or gzip of either)`);
  if (!stat.isFile()) throw new LocalRunError(`--input ${path} is not a regular file; give one events file`);
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'r');
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  let sample = head.subarray(0, length);
  if (sample[0] === 0x1f && sample[1] === 0x8b) {
    try {
      // The first bytes of a file are not a whole gzip stream: decompress what is there.
      sample = gunzipSync(sample, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, 64 * 1024);
    } catch (err) {
      throw new LocalRunError(`--input ${path} starts like gzip but cannot be decompressed (${(err as Error).message}); give an intact gzip file`);
    }
  }
  if (looksBinary(sample)) {
    throw new LocalRunError(`--input ${path} looks like a binary file, not text; give JSON lines, a JSON array, or gzip of either`);
  }
}

/** NUL bytes, or more than 1% of characters that are not valid UTF-8, mean this is not an events file. */
function looksBinary(sample: Buffer): boolean {
  if (sample.includes(0)) return true;
  const text = sample.toString('utf8');
  let replaced = 0;
  for (const ch of text) if (ch === '\uFFFD') replaced++;
  return text.length > 0 && replaced / text.length > 0.01;
}

/** Where the run is built, beside `out` so the final move is a rename on one file system. */
export function prepareOutput(out: string): { scratch: string; finish: () => void; abandon: () => void } {
  const target = resolve(out);
  if (existsSync(target)) {
    if (!lstatSync(target).isDirectory()) throw new LocalRunError(`--out ${out} exists and is not a directory; choose a directory path`);
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes('report.json')) {
      throw new LocalRunError(`--out ${out} already holds files that are not a previous local run (no report.json); choose an empty or new directory`);
    }
  }
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    mkdirSync(scratch, { recursive: true });
  } catch (err) {
    throw new LocalRunError(`cannot write --out ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a directory you can write to`);
  }
  return {
    scratch,
    finish() {
      rmSync(target, { recursive: true, force: true });
      renameSync(scratch, target);
    },
    abandon() {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

class StageClock {
  readonly stages: Partial<Record<StageName, StageFigures>> = {};
  constructor(private readonly progress?: (update: Progress) => void) {}

  async run<T>(stage: StageName, work: (tick: (events: number) => void) => Promise<{ result: T; events: number }>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let lastTick = 0;
    let lastEvents = 0;
    const tick = (events: number) => {
      if (events >= 0) lastEvents = events;
      const now = seconds();
      if (now - lastTick >= 1) {
        lastTick = now;
        this.progress?.({ stage, events: lastEvents, seconds: now, done: false });
      }
    };
    this.progress?.({ stage, events: 0, seconds: 0, done: false });
    // Stages that report no counts while they run (the Flink jobs) still show that they are alive.
    const heartbeat = setInterval(() => tick(-1), 5000);
    let outcome: { result: T; events: number };
    try {
      outcome = await work(tick);
    } finally {
      clearInterval(heartbeat);
    }
    const { result, events } = outcome;
    const elapsed = seconds();
    this.stages[stage] = { seconds: round(elapsed, 3), events, events_per_second: Math.round(events / Math.max(elapsed, 1e-9)) };
    this.progress?.({ stage, events, seconds: elapsed, done: true });
    return result;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs the whole flow and returns the report (also written to `<out>/report.json`). */
export async function runLocal(opts: LocalOptions): Promise<LocalReport> {
  if (opts.input !== undefined) checkInput(opts.input);
  const config = loadStackFile(opts.stack, projectRoot());
  const output = prepareOutput(opts.out);
  try {
    const report = await runStages(opts, config, output.scratch);
    writeFileSync(join(output.scratch, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    output.finish();
    return report;
  } catch (err) {
    output.abandon();
    throw err;
  }
}

async function runStages(opts: LocalOptions, config: SluiceConfig, dir: string): Promise<LocalReport> {
  const clock = new StageClock(opts.progress);
  const started = process.hrtime.bigint();
  const work = join(dir, '.work');
  const lake = join(dir, 'lake');
  mkdirSync(work, { recursive: true });
  mkdirSync(lake, { recursive: true });

  let inputPath = opts.input;
  let generated: GeneratorStats | undefined;
  if (inputPath === undefined) {
    const path = join(work, 'generated.jsonl');
    generated = await clock.run('generate', async (tick) => {
      const generation = generate({ events: opts.events, seed: opts.seed, duplicates: opts.duplicates, invalid: opts.invalid, late: opts.late });
      const out = new LineWriter(path);
      for (const line of generation.lines) {
        await out.write(line);
        tick(generation.stats.lines);
      }
      await out.close();
      return { result: generation.stats, events: generation.stats.lines };
    });
    inputPath = path;
  }

  // Generated events are accepted at the end of their own time span, so that a run is repeatable;
  // a real file is accepted now, as the ingestion functions would.
  const ingestedAt = generated ? acceptedAtEndOfSpan(generated) : new Date();
  const eventsPath = join(work, 'events.jsonl');
  const errorsRelative = errorKey(opts.source, ingestedAt, 'local', 0);
  const counts = await clock.run('ingest', async (tick) => {
    const ctx = createContext({ source: opts.source, registry: loadRegistry(), unknownEventNames: config.validation.unknownEventNames, ingestedAt });
    const valid = new LineWriter(eventsPath);
    mkdirSync(dirname(join(dir, errorsRelative)), { recursive: true });
    const errors = new LineWriter(join(dir, errorsRelative));
    let handled = 0;
    const result: IngestCounts = await ingestFile(createReadStream(inputPath!), {
      ctx,
      objectKey: basename(inputPath!),
      sinks: {
        publish: async (entry) => {
          await valid.write(entry.data);
          tick(++handled);
        },
        reject: async (line) => {
          await errors.write(line);
          tick(++handled);
        },
      },
    });
    await Promise.all([valid.close(), errors.close()]);
    if (result.invalid === 0) rmSync(join(dir, errorsRelative));
    return { result, events: result.records };
  });
  // The error zone is `errors/` of the output, and the lake's own `errors/` zone points at it.
  symlinkSync(relative(lake, join(dir, 'errors')), join(lake, 'errors'));

  const dedupDir = join(work, 'dedup-filter');
  const dedup = await clock.run('dedup_filter', async () => {
    const summary = await runFlinkJob({ job: 'dedup-filter', input: eventsPath, output: dedupDir, params: jobSqlParameters('dedup-filter', config), heap: opts.heap });
    return { result: summary, events: counts.valid };
  });
  const processedPath = dedup.outputs.processed.path;
  const processed = dedup.outputs.processed.records;

  const aggregateDir = join(work, 'aggregate');
  const aggregate = await clock.run('aggregate', async () => {
    const summary = await runFlinkJob({ job: 'aggregate', input: processedPath, output: aggregateDir, params: jobSqlParameters('aggregate', config), heap: opts.heap });
    return { result: summary, events: processed };
  });

  await clock.run('lake', async () => {
    await writeRawArchive(lake, linesOfFile(eventsPath), { batch: 'local' });
    await writeCuratedEvents(lake, linesOfFile(processedPath), { batch: 'local' });
    await writeAggregates(lake, linesOfFile(aggregate.outputs.aggregates.path), { batch: 'local' });
    return { result: undefined, events: counts.valid + processed + aggregate.outputs.aggregates.records };
  });

  const breakdown = await filterBreakdown(eventsPath, config);
  const queries = await clock.run('queries', async () => {
    const outcomes = await runNamedQueries(lake);
    return { result: outcomes, events: processed };
  });

  const parquet = parquetFiles(join(lake, 'curated'));
  rmSync(work, { recursive: true, force: true });
  return {
    input: opts.input === undefined ? { kind: 'generated', seed: opts.seed } : { kind: 'file', path: resolve(opts.input) },
    stack: opts.stack,
    source: opts.source,
    ingested_at: ingestedAt.toISOString(),
    read: counts.records,
    valid: counts.valid,
    invalid: counts.invalid,
    invalid_by_reason: counts.invalidByReason as Record<string, number>,
    duplicates_removed: counts.valid - breakdown.distinct,
    filtered: breakdown.distinct - processed,
    filtered_by_rule: breakdown.byRule,
    processed,
    late: aggregate.outputs['late-events'].records,
    aggregate_rows: aggregate.outputs.aggregates.records,
    parquet_files: parquet.files,
    parquet_bytes: parquet.bytes,
    stages: clock.stages,
    total_seconds: round(Number(process.hrtime.bigint() - started) / 1e9, 3),
    queries,
    ...(generated ? { generated } : {}),
  };
}

/**
 * How many distinct events (first arrival of each `(event_uuid, created_at)`) each filter rule
 * removes, counted by DuckDB over the dedup job's input, independently of Flink: the report's
 * `filtered` (distinct minus what Flink kept) must equal the sum of these.
 */
async function filterBreakdown(eventsPath: string, config: SluiceConfig): Promise<{ distinct: number; byRule: LocalReport['filtered_by_rule'] }> {
  const p = config.processing;
  const list = (values: readonly string[]) => (values.length === 0 ? "''" : values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`
      WITH events AS (
        SELECT * FROM read_json('${eventsPath.replace(/'/g, "''")}', format = 'newline_delimited',
          columns = {event_uuid: 'VARCHAR', created_at: 'DECIMAL(38, 6)', event_type: 'VARCHAR', event_name: 'VARCHAR', ingested_at: 'TIMESTAMPTZ'})
      ),
      first_seen AS (SELECT DISTINCT ON (event_uuid, created_at) * FROM events),
      ruled AS (
        SELECT CASE
          WHEN event_type IN (${list(p.excludeEventTypes)}) THEN 'type'
          WHEN event_name IN (${list(p.excludeEventNames)}) THEN 'name'
          WHEN to_timestamp(CAST(floor(created_at * 1000) AS BIGINT) / 1000.0) > ingested_at + to_seconds(${p.maxFutureSkewSeconds}) THEN 'skew'
        END AS rule
        FROM first_seen
      )
      SELECT count(*), count(*) FILTER (rule = 'type'), count(*) FILTER (rule = 'name'), count(*) FILTER (rule = 'skew') FROM ruled`);
    const [distinct, type, name, skew] = reader.getRows()[0].map((v) => Number(v));
    return { distinct, byRule: { excluded_event_type: type, excluded_event_name: name, future_skew: skew } };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Values for the named queries' parameters, taken from what the lake holds: every date parameter
 * spans the lake's dates (event dates and arrival dates), times span the aggregate windows, and an
 * event type is the most frequent one. A parameter with a default keeps it.
 */
async function localParameters(lake: string): Promise<Record<string, string>> {
  const { rows } = await queryLocalLake(
    lake,
    `SELECT
       least(min(created_date), min(CAST(CAST(ingested_at AS date) AS varchar))),
       greatest(max(created_date), max(CAST(CAST(ingested_at AS date) AS varchar))),
       (SELECT strftime(min(window_start), '%Y-%m-%dT%H:%M:%SZ') FROM aggregates),
       (SELECT strftime(max(window_end), '%Y-%m-%dT%H:%M:%SZ') FROM aggregates),
       (SELECT event_type FROM events GROUP BY event_type ORDER BY count(*) DESC, event_type LIMIT 1)
     FROM events`,
  );
  const [fromDate, toDate, fromTime, toTime, eventType] = rows[0];
  const values: Record<string, string | null> = {
    from_date: fromDate,
    to_date: toDate,
    since_date: fromDate,
    from_time: fromTime,
    to_time: toTime,
    event_type: eventType,
  };
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null));
}

async function runNamedQueries(lake: string): Promise<Record<string, QueryOutcome>> {
  const values = await localParameters(lake);
  const outcomes: Record<string, QueryOutcome> = {};
  for (const query of loadNamedQueries()) {
    const params = paramsFor(query, values);
    const result = await queryLocalLake(lake, renderQuery(query, params));
    outcomes[query.name] = { params, ...result };
  }
  return outcomes;
}

function paramsFor(query: NamedQuery, values: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const param of query.params) {
    if (param.default !== undefined) continue;
    const value = values[param.name];
    if (value === undefined) {
      throw new LocalRunError(`named query ${query.name} (${query.file}) has parameter ${param.name}, which the local mode cannot fill from the lake; give it a default in the query's header`);
    }
    params[param.name] = value;
  }
  return params;
}

function parquetFiles(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.parquet')) {
        files++;
        bytes += statSync(child).size;
      }
    }
  };
  if (existsSync(root)) walk(root);
  return { files, bytes };
}
