/**
 * The local lake: the same zones, layout and columns as the lake bucket, on disk, so that the
 * analysts' named queries run unchanged on a laptop with DuckDB. The curated tables are Iceberg
 * tables that the Flink jobs write through a local catalog (`<lake>/curated/<table>/`); DuckDB
 * reads the data files that Iceberg's own metadata lists as live in each table's current
 * snapshot. The raw archive and the error zone are plain files, written here.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import { partitionPath, rawPartition, utcDate } from '../core/lake/partitions';
import { parseUtcTimestamp } from '../core/lake/rows';
import type { ErrorRecord } from '../core/error-zone';
import { duckdbType, ERRORS, ICEBERG_TABLES, RAW_EVENTS, type IcebergTableDefinition, type TableDefinition } from '../core/lake/schema';
import { listLakeFiles, type LakeFiles } from './lake-files';

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

/**
 * Archives enriched events as the archive delivery stream does: each line untouched, gzip JSON
 * lines under `raw/dt=../hour=../`, partitioned by arrival time. Locally the arrival time is the
 * event's `ingested_at`, the moment the platform accepted it.
 */
export async function writeRawArchive(dir: string, jsonLines: JsonLines, opts: WriteOptions): Promise<WriteResult> {
  const archive = new RawArchiveWriter(dir, opts);
  try {
    for await (const { text, number } of nonEmptyLines(jsonLines)) {
      let ingested: number | undefined;
      try {
        ingested = parseUtcTimestamp((JSON.parse(text) as { ingested_at?: unknown }).ingested_at);
      } catch {
        ingested = undefined;
      }
      if (ingested === undefined) throw new Error(`raw archive, line ${number}: not an enriched event with an ISO 8601 ingested_at`);
      const wait = archive.add(text, ingested);
      if (wait) await wait;
    }
  } finally {
    await archive.close();
  }
  return archive.result();
}

const HOUR_MS = 3_600_000;

interface HourArchive {
  readonly path: string;
  readonly gzip: Gzip;
  readonly done: Promise<void>;
  pending: string[];
  size: number;
}

/**
 * The raw archive written one enriched event at a time, in the order given, each to the file of
 * its arrival hour (`raw/dt=../hour=../<batch>.json.gz`). The local run archives events as it
 * accepts them, from the arrival time it stamped, instead of reading them back and parsing each
 * one again; gzip runs in libuv's thread pool, beside the ingestion on the main thread.
 */
export class RawArchiveWriter {
  private readonly archives = new Map<number, HourArchive>();
  private rows = 0;

  constructor(
    private readonly dir: string,
    private readonly opts: WriteOptions,
  ) {
    checkBatch(opts.batch);
  }

  /**
   * Adds one line (without its newline) that arrived at `ingestedMs`. Returns a promise only when
   * gzip is behind and the caller should wait for it.
   */
  add(text: string, ingestedMs: number): Promise<void> | undefined {
    const archive = this.hourArchive(ingestedMs);
    archive.pending.push(`${text}\n`);
    archive.size += text.length + 1;
    this.rows++;
    // Lines are handed to gzip in chunks of about 1 MiB: a write per line costs more than compressing it.
    return archive.size >= 1 << 20 ? flush(archive) : undefined;
  }

  /**
   * Adds `lines` whole lines, each with its newline, that all arrived at `ingestedMs`, as UTF-8
   * bytes: a caller that has encoded them already (the events file of a local run) hands over
   * the same buffer. Returns a promise only when gzip is behind.
   */
  addLines(chunk: Buffer, lines: number, ingestedMs: number): Promise<void> | undefined {
    const archive = this.hourArchive(ingestedMs);
    this.rows += lines;
    // Lines added one by one before these go first.
    const earlier = archive.size > 0 ? flush(archive) : undefined;
    return write(archive, chunk) ?? earlier;
  }

  private hourArchive(ingestedMs: number): HourArchive {
    const hour = Math.floor(ingestedMs / HOUR_MS);
    let archive = this.archives.get(hour);
    if (archive === undefined) {
      const path = partitionPath(RAW_EVENTS, rawPartition(ingestedMs));
      const file = join(this.dir, `${path}${this.opts.batch}.json.gz`);
      mkdirSync(join(file, '..'), { recursive: true });
      // Firehose's archive is plain gzip; the fastest level keeps a large local run quick. gzip
      // hands back 1 MiB at a time instead of 16 KiB, each output chunk a turn of the event loop.
      const gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED, chunkSize: 1 << 20 });
      archive = { path, gzip, done: pipeline(gzip, createWriteStream(file)), pending: [], size: 0 };
      this.archives.set(hour, archive);
    }
    return archive;
  }

  /** Writes what is pending and waits for every file to be complete on disk. */
  async close(): Promise<void> {
    try {
      for (const archive of this.archives.values()) await flush(archive);
    } finally {
      for (const archive of this.archives.values()) archive.gzip.end();
      await Promise.all([...this.archives.values()].map((a) => a.done));
    }
  }

  /** Rows archived and the files written, relative to the lake directory, sorted. */
  result(): WriteResult {
    return { rows: this.rows, files: [...this.archives.values()].map((a) => `${a.path}${this.opts.batch}.json.gz`).sort() };
  }
}

/**
 * Up to 16 MiB may wait for gzip, so the caller goes on accepting events while the thread pool
 * compresses: waiting whenever a write passed the stream's 16 KiB mark made every 1 MiB chunk wait
 * for its own compression.
 */
const GZIP_BACKLOG_BYTES = 16 << 20;

function flush(archive: HourArchive): Promise<void> | undefined {
  const chunk = archive.pending.join('');
  archive.pending = [];
  archive.size = 0;
  return write(archive, chunk);
}

function write(archive: HourArchive, chunk: string | Buffer): Promise<void> | undefined {
  if (archive.gzip.write(chunk) || archive.gzip.writableLength < GZIP_BACKLOG_BYTES) return undefined;
  return once(archive.gzip, 'drain').then(() => undefined);
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

/** The plain-file zones of the local lake, read by file pattern. */
const FILE_TABLES: readonly TableDefinition[] = [RAW_EVENTS, ERRORS];

/**
 * A DuckDB connection on a local lake with one view per lake table, named as in the Glue
 * database and with the same columns, so a named query's text runs here as it does in Athena.
 * `files` are the curated tables' live data files; by default they are read from the lake's
 * Iceberg catalog. Close it with `closeSync()`.
 */
export async function openLocalLake(dir: string, files: LakeFiles = listLakeFiles(dir)): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  for (const table of FILE_TABLES) await connection.run(viewSql(dir, table));
  for (const table of ICEBERG_TABLES) await connection.run(icebergViewSql(table, files[table.name]?.files ?? []));
  return connection;
}

/**
 * The view of one curated table over the data files of its current snapshot, or an empty view
 * with the same columns when it has none. Columns are read by name (Iceberg writes the same names
 * into each Parquet file) and cast to the table's types.
 */
export function icebergViewSql(table: IcebergTableDefinition, files: readonly string[]): string {
  const select = table.columns.map((c) => (files.length === 0 ? `CAST(NULL AS ${duckdbType(c.type)}) AS "${c.name}"` : `CAST("${c.name}" AS ${duckdbType(c.type)}) AS "${c.name}"`));
  if (files.length === 0) return `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${select.join(', ')} WHERE false`;
  return `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${select.join(', ')} FROM read_parquet([${files.map(literal).join(', ')}])`;
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

/**
 * JSON lines to write: the text of a whole file, or lines one at a time (a file read as a
 * stream), so that a million events never have to sit in memory at once.
 */
export type JsonLines = string | Iterable<string> | AsyncIterable<string>;

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
export async function queryLocalLake(dir: string, sql: string): Promise<QueryResult> {
  const lake = await openLocalLake(dir);
  try {
    return await queryLake(lake, sql);
  } finally {
    lake.closeSync();
  }
}

export interface QueryResult {
  columns: string[];
  rows: (string | null)[][];
}

/** Runs one SQL text on a lake opened with {@link openLocalLake}; values as text, as Athena returns them. */
export async function queryLake(lake: DuckDBConnection, sql: string): Promise<QueryResult> {
  const reader = await lake.runAndReadAll(sql);
  const rows = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
  return { columns: reader.columnNames(), rows };
}
