/**
 * The local lake: the same zones, partition layout and columns as the lake bucket, written on
 * disk with DuckDB so that the analysts' named queries run unchanged on a laptop. Curated rows
 * come from the same row builders as the Firehose transform; paths from the same partition module.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import { partitionPath, rawPartition, utcDate } from '../core/lake/partitions';
import { aggregateRow, curatedEventRow, parseUtcTimestamp, type RowResult } from '../core/lake/rows';
import type { ErrorRecord } from '../core/error-zone';
import { LineWriter } from './line-writer';
import { AGGREGATES, CURATED_EVENTS, duckdbType, ERRORS, LAKE_TABLES, RAW_EVENTS, type TableDefinition } from '../core/lake/schema';

export interface WriteOptions {
  /**
   * Base of every file name this write creates (`<batch>_<n>.parquet`, `<batch>.json.gz`, ...);
   * writing the same batch again replaces its files, so reruns are idempotent.
   */
  readonly batch: string;
}

export interface WriteResult {
  readonly rows: number;
  /** Files written, relative to the lake directory, sorted. */
  readonly files: string[];
}

const BATCH = /^[A-Za-z0-9_-]{1,64}$/;

/** Writes enriched events (JSON lines) as `curated/events/event_type=../created_date=../<batch>_<n>.parquet`. */
export async function writeCuratedEvents(dir: string, jsonLines: JsonLines, opts: WriteOptions): Promise<WriteResult> {
  return writeParquet(dir, CURATED_EVENTS, jsonLines, curatedEventRow, 'enriched events', ['created_at', 'event_uuid'], opts);
}

/** Writes aggregate rows (JSON lines) as `curated/aggregates/window_date=../<batch>_<n>.parquet`. */
export async function writeAggregates(dir: string, jsonLines: JsonLines, opts: WriteOptions): Promise<WriteResult> {
  return writeParquet(dir, AGGREGATES, jsonLines, aggregateRow, 'aggregates', ['window_start', 'event_type', 'event_subtype'], opts);
}

/**
 * Archives enriched events as the archive delivery stream does: each line untouched, gzip JSON
 * lines under `raw/dt=../hour=../`, partitioned by arrival time. Locally the arrival time is the
 * event's `ingested_at`, the moment the platform accepted it.
 */
export async function writeRawArchive(dir: string, jsonLines: JsonLines, opts: WriteOptions): Promise<WriteResult> {
  checkBatch(opts.batch);
  const archives = new Map<string, { gzip: Gzip; done: Promise<void>; pending: string[]; size: number }>();
  // Lines are handed to gzip in chunks of about 1 MiB: a write per line costs more than compressing it.
  const flush = async (archive: { gzip: Gzip; pending: string[]; size: number }) => {
    const chunk = archive.pending.join('');
    archive.pending = [];
    archive.size = 0;
    if (!archive.gzip.write(chunk)) await once(archive.gzip, 'drain');
  };
  let rows = 0;
  try {
    for await (const { text, number } of nonEmptyLines(jsonLines)) {
      let ingested: number | undefined;
      try {
        ingested = parseUtcTimestamp((JSON.parse(text) as { ingested_at?: unknown }).ingested_at);
      } catch {
        ingested = undefined;
      }
      if (ingested === undefined) throw new Error(`raw archive, line ${number}: not an enriched event with an ISO 8601 ingested_at`);
      const path = partitionPath(RAW_EVENTS, rawPartition(ingested));
      let archive = archives.get(path);
      if (archive === undefined) {
        const file = join(dir, `${path}${opts.batch}.json.gz`);
        mkdirSync(join(file, '..'), { recursive: true });
        // Firehose's archive is plain gzip; the fastest level keeps a large local run quick.
        const gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED });
        archive = { gzip, done: pipeline(gzip, createWriteStream(file)), pending: [], size: 0 };
        archives.set(path, archive);
      }
      archive.pending.push(`${text}\n`);
      archive.size += text.length + 1;
      if (archive.size >= 1 << 20) await flush(archive);
      rows++;
    }
    for (const archive of archives.values()) await flush(archive);
  } finally {
    for (const archive of archives.values()) archive.gzip.end();
    await Promise.all([...archives.values()].map((a) => a.done));
  }
  return { rows, files: [...archives.keys()].map((path) => `${path}${opts.batch}.json.gz`).sort() };
}

/** Writes error records as JSON lines under `errors/source=../dt=../<batch>.jsonl`, dated `at` (UTC). */
export async function writeErrors(dir: string, records: readonly ErrorRecord[], opts: WriteOptions & { readonly at: Date }): Promise<WriteResult> {
  checkBatch(opts.batch);
  const dt = utcDate(opts.at.getTime());
  const byPath = new Map<string, string[]>();
  for (const record of records) {
    const path = partitionPath(ERRORS, { source: record.error.source, dt });
    byPath.set(path, [...(byPath.get(path) ?? []), JSON.stringify(record)]);
  }
  const files = [...byPath].map(([path, lines]) => writeText(dir, `${path}${opts.batch}${ERRORS.extension}`, `${lines.join('\n')}\n`));
  return { rows: records.length, files: files.sort() };
}

/**
 * A DuckDB connection on a local lake with one view per lake table, named as in the Glue
 * database and with the same columns, so a named query's text runs here as it does in Athena.
 * Close it with `closeSync()`.
 */
export async function openLocalLake(dir: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  for (const table of LAKE_TABLES) await connection.run(viewSql(dir, table));
  return connection;
}

/** The view of one lake table over its files, or an empty view with the same columns when there are none yet. */
export function viewSql(dir: string, table: TableDefinition): string {
  const all = [...table.columns, ...table.partitionKeys];
  const depth = table.partitionKeys.map(() => '*').join('/');
  const glob = join(dir, table.prefix, depth, `*${table.extension}`);
  const hiveTypes = `{${table.partitionKeys.map((k) => `'${k.name}': '${duckdbType(k.type)}'`).join(', ')}}`;
  const names = all.map((c) => `"${c.name}"`).join(', ');
  if (!hasFiles(join(dir, table.prefix), table.partitionKeys.length, table.extension)) {
    return `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${all.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS "${c.name}"`).join(', ')} WHERE false`;
  }
  if (table.format === 'parquet') {
    return `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${names} FROM read_parquet(${literal(glob)}, hive_partitioning = true, hive_types = ${hiveTypes})`;
  }
  const columns = `{${table.columns.map((c) => `'${c.name}': '${duckdbType(c.type).replace(/'/g, "''")}'`).join(', ')}}`;
  return (
    `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${names} FROM read_json(${literal(glob)}, format = 'newline_delimited', ` +
    `hive_partitioning = true, hive_types = ${hiveTypes}, columns = ${columns})`
  );
}

/** Turns each line into its table row and stages the rows as JSON lines in `file`; returns the count and the partitions seen. */
async function stageRows(jsonLines: JsonLines, build: (value: unknown, text: string) => RowResult, what: string, table: TableDefinition, file: string): Promise<{ rows: number; paths: Set<string> }> {
  const out = new LineWriter(file);
  const paths = new Set<string>();
  try {
    for await (const { text, number } of nonEmptyLines(jsonLines)) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new Error(`${what}, line ${number}: not JSON (${(err as Error).message})`);
      }
      const result = build(value, text);
      if (!result.ok) throw new Error(`${what}, line ${number}: ${result.reason}`);
      paths.add(partitionPath(table, result.partition));
      await out.write(JSON.stringify({ ...result.row, ...result.partition }));
    }
  } finally {
    await out.close();
  }
  return { rows: out.count, paths };
}

async function writeParquet(
  dir: string,
  table: TableDefinition,
  jsonLines: JsonLines,
  build: (value: unknown, text: string) => RowResult,
  what: string,
  orderBy: string[],
  opts: WriteOptions,
): Promise<WriteResult> {
  checkBatch(opts.batch);
  const staging = mkdtempSync(join(tmpdir(), 'sluice-lake-'));
  try {
    const input = join(staging, 'rows.jsonl');
    const { rows, paths } = await stageRows(jsonLines, build, what, table, input);
    if (rows === 0) return { rows: 0, files: [] };
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      // Timestamps travel as epoch milliseconds (see core/lake/rows.ts) and become TIMESTAMP here.
      const staged = [...table.columns, ...table.partitionKeys].map((c) => `'${c.name}': '${c.type === 'timestamp' ? 'BIGINT' : duckdbType(c.type)}'`);
      const select = [...table.columns, ...table.partitionKeys].map((c) => (c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`));
      const partitions = table.partitionKeys.map((k) => `"${k.name}"`).join(', ');
      const target = join(dir, table.prefix);
      mkdirSync(target, { recursive: true });
      await connection.run(
        `COPY (SELECT ${select.join(', ')} FROM read_json(${literal(input)}, format = 'newline_delimited', columns = {${staged.join(', ')}}) ` +
          `ORDER BY ${orderBy.map((c) => `"${c}"`).join(', ')}) TO ${literal(target)} ` +
          `(FORMAT PARQUET, PARTITION_BY (${partitions}), FILENAME_PATTERN ${literal(`${opts.batch}_{i}`)}, OVERWRITE_OR_IGNORE true)`,
      );
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const files = [...paths].flatMap((path) =>
      readdirSync(join(dir, path))
        .filter((f) => f.startsWith(`${opts.batch}_`) && f.endsWith(table.extension))
        .map((f) => `${path}${f}`),
    );
    return { rows, files: files.sort() };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * JSON lines to write: the text of a whole file, or lines one at a time (a file read as a
 * stream), so that a million events never have to sit in memory at once.
 */
export type JsonLines = string | Iterable<string> | AsyncIterable<string>;

/** The lines of a JSON-lines file, read as a stream. */
export function linesOfFile(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

async function* nonEmptyLines(input: JsonLines): AsyncGenerator<{ text: string; number: number }> {
  let number = 0;
  for await (const line of typeof input === 'string' ? input.split('\n') : input) {
    number++;
    const text = line.trim();
    if (text !== '') yield { text, number };
  }
}

function writeText(dir: string, relative: string, content: string | Buffer): string {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return relative;
}

function hasFiles(root: string, depth: number, extension: string): boolean {
  const walk = (path: string, level: number): boolean => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return false;
    }
    if (level === depth) return entries.some((e) => e.isFile() && e.name.endsWith(extension));
    return entries.some((e) => e.isDirectory() && e.name.includes('=') && walk(join(path, e.name), level + 1));
  };
  return walk(root, 0);
}

function checkBatch(batch: string): void {
  if (!BATCH.test(batch)) throw new Error(`batch name ${JSON.stringify(batch)} must be 1-64 letters, digits, _ or -`);
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Runs one SQL text on a local lake's views and returns every value as text, as Athena would. */
export async function queryLocalLake(dir: string, sql: string): Promise<{ columns: string[]; rows: (string | null)[][] }> {
  const lake = await openLocalLake(dir);
  try {
    const reader = await lake.runAndReadAll(sql);
    const rows = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
    return { columns: reader.columnNames(), rows };
  } finally {
    lake.closeSync();
  }
}
