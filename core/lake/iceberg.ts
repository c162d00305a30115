/**
 * The curated tables as the Glue catalog declares them: the Iceberg schema (field ids in column
 * order), the partition spec and the table properties, derived from the lake schema's
 * IcebergTableDefinition so the cloud tables and the Flink declarations list the same columns.
 */
import { icebergType, type IcebergTableDefinition } from './schema';

/**
 * Iceberg table properties of the curated tables. A commit every checkpoint (5 s by default) writes
 * a new metadata file each time: the writer deletes all but the latest 100 itself, as snapshot
 * retention only expires snapshots and orphan-file deletion only reaches files older than days.
 */
export const ICEBERG_TABLE_PROPERTIES: Readonly<Record<string, string>> = {
  'write.format.default': 'parquet',
  'write.parquet.compression-codec': 'zstd',
  // Level 1 compresses the JSON payload about as well as the default 3 for much less of the Flink
  // jobs' CPU (sluice bench flink); the table optimizer's compaction rewrites the files anyway.
  'write.parquet.compression-level': '1',
  // No dictionary pages. Most columns are unique per row (event_uuid, the timestamps, payload) and
  // Parquet hashes every value into a dictionary until it outgrows 2 MiB, which it seldom does in a
  // checkpoint's file: a tenth of dedup-filter's CPU (sluice bench flink) for files 2% smaller.
  // Iceberg reads the Parquet writer's own key from the table properties; it has no per-column form.
  'parquet.enable.dictionary': 'false',
  'write.metadata.delete-after-commit.enabled': 'true',
  'write.metadata.previous-versions-max': '100',
};

/** One field of an Iceberg schema, as Iceberg's JSON schema and Glue's IcebergStructField spell it. */
export interface IcebergField {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly doc: string;
}

/** One field of an Iceberg partition spec, by ids. */
export interface IcebergSpecField {
  readonly name: string;
  readonly sourceId: number;
  /** Partition field ids start at 1000, as Iceberg assigns them. */
  readonly fieldId: number;
  readonly transform: string;
}

export interface IcebergTableSchema {
  readonly schemaId: 0;
  readonly fields: readonly IcebergField[];
  readonly partitionSpec: { readonly specId: 0; readonly fields: readonly IcebergSpecField[] };
}

/**
 * The Iceberg schema and partition spec of a curated table. Every column is optional: the writers
 * pass nulls through (event_subtype), and a required field would make Flink's sink refuse every
 * nullable source column. Throws when a partition reads a column the table does not have, or when
 * a column name repeats.
 */
export function icebergSchema(table: IcebergTableDefinition): IcebergTableSchema {
  const names = table.columns.map((c) => c.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new Error(`table ${table.name}: column(s) ${[...new Set(repeated)].join(', ')} appear more than once`);
  const fields = table.columns.map((c, i) => ({ id: i + 1, name: c.name, type: icebergType(c.type), required: false, doc: c.comment }));
  const partitions = table.partitionSpec.map((p, i) => {
    const source = fields.find((f) => f.name === p.source);
    if (!source) throw new Error(`table ${table.name}: partition ${p.name} reads ${p.source}, which is not a column of the table; use one of ${names.join(', ')}`);
    return { name: p.name, sourceId: source.id, fieldId: 1000 + i, transform: p.transform };
  });
  return { schemaId: 0, fields, partitionSpec: { specId: 0, fields: partitions } };
}
