/**
 * The lake's tables, declared once. The Glue tables (Hive tables for the raw and error zones,
 * Iceberg tables for the curated zone), the Flink jobs' Iceberg declarations and the local lake
 * all derive their columns from these definitions, so the cloud and the local lake cannot drift.
 */

/** A column type in the Hive/Glue vocabulary, with the nesting the error zone needs. */
export type ColumnType = 'string' | 'double' | 'bigint' | 'timestamp' | { readonly array: ColumnType } | { readonly struct: readonly Column[] };

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment: string;
}

/** How a table's files are stored: the SerDe and formats Glue needs, the extension we write. */
export type StorageFormat = 'parquet' | 'json';

export interface TableDefinition {
  /** The table's name in Glue and the view's name in a local DuckDB lake. */
  readonly name: string;
  readonly description: string;
  /** The key prefix of the table's data in the lake bucket, ending in `/`. */
  readonly prefix: string;
  readonly format: StorageFormat;
  /** File name extension of the table's objects, as every writer names them. */
  readonly extension: string;
  /** Columns stored in the files, in file order. */
  readonly columns: readonly Column[];
  /** Hive partition columns, outermost first; their values live in the key path only. */
  readonly partitionKeys: readonly Column[];
}

const ENVELOPE: readonly Column[] = [
  { name: 'event_uuid', type: 'string', comment: 'Event id, a lower-case UUID' },
  { name: 'event_name', type: 'string', comment: 'Colon-separated event name, e.g. account:created' },
];

export const RAW_EVENTS: TableDefinition = {
  name: 'raw_events',
  description: 'Archive of the events stream as accepted (JSON lines, gzip), partitioned by arrival hour (UTC)',
  prefix: 'raw/',
  format: 'json',
  extension: '.json.gz',
  columns: [
    ...ENVELOPE,
    { name: 'created_at', type: 'double', comment: 'Event time, Unix seconds' },
    { name: 'created_datetime', type: 'string', comment: 'Event time, ISO 8601 UTC as enriched' },
    { name: 'event_type', type: 'string', comment: 'First part of event_name' },
    { name: 'event_subtype', type: 'string', comment: 'Second part of event_name, null when absent' },
    { name: 'ingested_at', type: 'string', comment: 'Acceptance time, ISO 8601 UTC as enriched' },
    { name: 'source', type: 'string', comment: 'Source the event came from (file-drop source or stream)' },
  ],
  partitionKeys: [
    { name: 'dt', type: 'string', comment: 'Arrival date, YYYY-MM-DD (UTC)' },
    { name: 'hour', type: 'string', comment: 'Arrival hour, HH (UTC)' },
  ],
};

export const CURATED_EVENTS: TableDefinition = {
  name: 'events',
  description: 'Deduplicated, filtered events (Parquet): envelope and enriched fields as columns, the rest as JSON in payload',
  prefix: 'curated/events/',
  format: 'parquet',
  extension: '.parquet',
  columns: [
    ...ENVELOPE,
    { name: 'event_subtype', type: 'string', comment: 'Second part of event_name, null when absent' },
    { name: 'created_at', type: 'double', comment: 'Event time, Unix seconds' },
    { name: 'created_datetime', type: 'timestamp', comment: 'Event time (UTC)' },
    { name: 'ingested_at', type: 'timestamp', comment: 'Time the platform accepted the event (UTC)' },
    { name: 'source', type: 'string', comment: 'Source the event came from (file-drop source or stream)' },
    { name: 'payload', type: 'string', comment: 'Every other field of the event, as a JSON object' },
  ],
  partitionKeys: [
    { name: 'event_type', type: 'string', comment: 'First part of event_name' },
    { name: 'created_date', type: 'string', comment: 'Date of created_at, YYYY-MM-DD (UTC)' },
  ],
};

export const AGGREGATES: TableDefinition = {
  name: 'aggregates',
  description: 'Event counts per event-time window, event type and subtype (Parquet)',
  prefix: 'curated/aggregates/',
  format: 'parquet',
  extension: '.parquet',
  columns: [
    { name: 'window_start', type: 'timestamp', comment: 'Window start, inclusive (UTC)' },
    { name: 'window_end', type: 'timestamp', comment: 'Window end, exclusive (UTC)' },
    { name: 'event_type', type: 'string', comment: 'First part of event_name' },
    { name: 'event_subtype', type: 'string', comment: 'Second part of event_name, null when absent' },
    { name: 'event_count', type: 'bigint', comment: 'Events in the window' },
  ],
  partitionKeys: [{ name: 'window_date', type: 'string', comment: 'Date of window_start, YYYY-MM-DD (UTC)' }],
};

export const ERRORS: TableDefinition = {
  name: 'errors',
  description: 'Rejected input (JSON lines): why it was rejected, where it came from, and the original text',
  prefix: 'errors/',
  format: 'json',
  extension: '.jsonl',
  columns: [
    {
      name: 'error',
      type: {
        struct: [
          { name: 'reasons', type: { array: 'string' }, comment: 'Every reason the input was rejected' },
          { name: 'source', type: 'string', comment: 'Source the input came from' },
          { name: 'object_key', type: 'string', comment: 'Landing object key, for file drops' },
          { name: 'line', type: 'bigint', comment: 'Line number in the object, for file drops' },
          { name: 'sequence_number', type: 'string', comment: 'Kinesis sequence number, for stream input' },
        ],
      },
      comment: 'Why and where the input was rejected',
    },
    { name: 'raw', type: 'string', comment: 'The original text, untouched (null when it is not UTF-8)' },
    { name: 'raw_base64', type: 'string', comment: 'The original bytes, base64, when they are not UTF-8 text' },
  ],
  partitionKeys: [
    { name: 'source', type: 'string', comment: 'Source the input came from' },
    { name: 'dt', type: 'string', comment: 'Date the input was rejected, YYYY-MM-DD (UTC)' },
  ],
};

export const LAKE_TABLES: readonly TableDefinition[] = [RAW_EVENTS, CURATED_EVENTS, AGGREGATES, ERRORS];

/** The fields every enriched event carries outside its payload (DESIGN.md, "Event contract"). */
export const ENRICHED_EVENT_FIELDS: readonly string[] = ['event_uuid', 'event_name', 'created_at', 'created_datetime', 'event_type', 'event_subtype', 'ingested_at', 'source'];

/** The type as Glue and Athena spell it, e.g. `struct<reasons:array<string>,line:bigint>`. */
export function glueType(type: ColumnType): string {
  if (typeof type === 'string') return type;
  if ('array' in type) return `array<${glueType(type.array)}>`;
  return `struct<${type.struct.map((c) => `${c.name}:${glueType(c.type)}`).join(',')}>`;
}

/** The same type as DuckDB spells it, e.g. `STRUCT("reasons" VARCHAR[], "line" BIGINT)`. */
export function duckdbType(type: ColumnType): string {
  if (typeof type !== 'string') {
    if ('array' in type) return `${duckdbType(type.array)}[]`;
    return `STRUCT(${type.struct.map((c) => `"${c.name}" ${duckdbType(c.type)}`).join(', ')})`;
  }
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'double':
      return 'DOUBLE';
    case 'bigint':
      return 'BIGINT';
    case 'timestamp':
      return 'TIMESTAMP';
  }
}

/** An Iceberg partition field: a transform of one source column, named as Iceberg names it. */
export interface IcebergPartitionField {
  readonly source: string;
  readonly transform: 'identity' | 'day';
  /** Iceberg's default name: the column for identity, `<column>_day` for day. */
  readonly name: string;
}

/**
 * A curated table of the lake: an Iceberg v2 table (Parquet data files) in the stack's Glue
 * database, written by a Flink job and committed on checkpoint. The Flink declarations
 * (sql/flink/<job>/tables.*.sql, lake_<name>) list the same columns in the same order, and the
 * local catalog creates the table with the same partition spec (tests compare them).
 */
export interface IcebergTableDefinition {
  readonly name: string;
  readonly description: string;
  /** The table's location under the lake bucket (and the local lake directory), ending in `/`. */
  readonly prefix: string;
  /** Columns in table order; partition values are computed from them (hidden partitioning). */
  readonly columns: readonly Column[];
  readonly partitionSpec: readonly IcebergPartitionField[];
}

export const LAKE_EVENTS: IcebergTableDefinition = {
  name: 'events',
  description: 'Deduplicated, filtered events (Iceberg): envelope and enriched fields as columns, the rest as the original JSON text in payload',
  prefix: 'curated/events/',
  columns: [
    ...ENVELOPE,
    { name: 'event_type', type: 'string', comment: 'First part of event_name' },
    { name: 'event_subtype', type: 'string', comment: 'Second part of event_name, null when absent' },
    { name: 'created_at', type: 'double', comment: 'Event time, Unix seconds' },
    { name: 'created_datetime', type: 'timestamp', comment: 'Event time (UTC)' },
    { name: 'ingested_at', type: 'timestamp', comment: 'Time the platform accepted the event (UTC)' },
    { name: 'source', type: 'string', comment: 'Source the event came from (file-drop source or stream)' },
    { name: 'payload', type: 'string', comment: 'Every other member of the event, as its original JSON text inside braces' },
  ],
  partitionSpec: [
    { source: 'event_type', transform: 'identity', name: 'event_type' },
    { source: 'created_datetime', transform: 'day', name: 'created_datetime_day' },
  ],
};

export const LAKE_AGGREGATES: IcebergTableDefinition = {
  name: 'aggregates',
  description: 'Event counts per event-time window, event type and subtype (Iceberg)',
  prefix: 'curated/aggregates/',
  columns: [
    { name: 'window_start', type: 'timestamp', comment: 'Window start, inclusive (UTC)' },
    { name: 'window_end', type: 'timestamp', comment: 'Window end, exclusive (UTC)' },
    { name: 'event_type', type: 'string', comment: 'First part of event_name' },
    { name: 'event_subtype', type: 'string', comment: 'Second part of event_name, null when absent' },
    { name: 'event_count', type: 'bigint', comment: 'Events in the window' },
  ],
  partitionSpec: [{ source: 'window_start', transform: 'day', name: 'window_start_day' }],
};

/** The curated tables, Iceberg in the cloud and locally. */
export const ICEBERG_TABLES: readonly IcebergTableDefinition[] = [LAKE_EVENTS, LAKE_AGGREGATES];

/** The type as Iceberg's table metadata spells it (`string`, `double`, `long`, `timestamp`). */
export function icebergType(type: ColumnType): string {
  if (typeof type !== 'string') throw new Error('the Iceberg tables have no nested columns');
  return type === 'bigint' ? 'long' : type;
}
