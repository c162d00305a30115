import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { partitionTemplate } from '../core/lake/partitions';
import { AGGREGATES, CURATED_EVENTS, ERRORS, glueType, LAKE_TABLES, RAW_EVENTS, type TableDefinition } from '../core/lake/schema';
import { SluiceConfig } from '../stacks/types';
import { statefulOptions } from './naming';
import { STREAM_SOURCE } from '../core/error-zone';
import { DEFAULT_SCHEMA_DIR, registryEventTypes } from '../core/events/registry';
import { glueDatabaseName, tagsFor } from '../core/naming';

/**
 * How far back curated partitions are projected. Curated data does not expire; older partitions
 * stay readable by adding years here. Events may be created shortly after midnight UTC ahead of
 * their ingestion (maxFutureSkewSeconds), so the range ends one day ahead.
 */
export const CURATED_PROJECTION_RANGE = 'NOW-5YEARS,NOW+1DAYS';

const SERDE = {
  parquet: {
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    parameters: { 'serialization.format': '1' },
  },
  json: {
    serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    // A line that is not JSON fails the query instead of reading as nulls: the writers only write JSON.
    parameters: { 'serialization.format': '1', 'ignore.malformed.json': 'FALSE' },
  },
} as const;

/**
 * Projection of the curated `event_type` partition. When the stack rejects unknown event names,
 * the registry's types are all there can be: an enum, so queries over all types work. When it
 * accepts them, the set is open and an enum would hide new types silently, so the column is
 * `injected`: Athena then requires queries on `events` to name the type(s) they read.
 */
export function eventTypeProjection(config: Pick<SluiceConfig, 'validation'>, registryTypes: readonly string[]): Record<string, string> {
  if (config.validation.unknownEventNames === 'accept') return { 'projection.event_type.type': 'injected' };
  if (registryTypes.length === 0) {
    throw new Error(
      `validation.unknownEventNames is "reject" but the schema registry (${DEFAULT_SCHEMA_DIR}) has no schemas, so every event would be rejected; ` +
        'add schemas or set validation.unknownEventNames: accept',
    );
  }
  return { 'projection.event_type.type': 'enum', 'projection.event_type.values': registryTypes.join(',') };
}

/** Partition projection settings of every lake table (without the location template). */
export function projections(config: SluiceConfig, registryTypes: readonly string[]): Record<string, Record<string, string>> {
  const days = (column: string, range: string) => ({
    [`projection.${column}.type`]: 'date',
    [`projection.${column}.format`]: 'yyyy-MM-dd',
    [`projection.${column}.range`]: range,
    [`projection.${column}.interval`]: '1',
    [`projection.${column}.interval.unit`]: 'DAYS',
  });
  const lc = config.lake.lifecycle;
  const sources = [...config.ingestion.sources.map((s) => s.name), STREAM_SOURCE];
  return {
    [RAW_EVENTS.name]: {
      ...days('dt', `NOW-${lc.rawExpireDays}DAYS,NOW`),
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    },
    [CURATED_EVENTS.name]: { ...eventTypeProjection(config, registryTypes), ...days('created_date', CURATED_PROJECTION_RANGE) },
    [AGGREGATES.name]: days('window_date', CURATED_PROJECTION_RANGE),
    [ERRORS.name]: {
      'projection.source.type': 'enum',
      'projection.source.values': sources.join(','),
      ...days('dt', `NOW-${lc.errorsExpireDays}DAYS,NOW`),
    },
  };
}

/** The Glue table input of one lake table: columns, partition keys, SerDe, location and projection. */
export function glueTableSpec(table: TableDefinition, bucket: string, projection: Record<string, string>) {
  const serde = SERDE[table.format];
  const location = `s3://${bucket}/${table.prefix}`;
  return {
    description: table.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: table.format,
      ...(table.format === 'json' && table.name === RAW_EVENTS.name ? { compressionType: 'gzip' } : {}),
      'projection.enabled': 'true',
      ...projection,
      'storage.location.template': `s3://${bucket}/${partitionTemplate(table, (key) => `\${${key}}`)}`,
    },
    partitionKeys: table.partitionKeys.map((k) => ({ name: k.name, type: glueType(k.type), comment: k.comment })),
    storageDescriptor: {
      location,
      inputFormat: serde.inputFormat,
      outputFormat: serde.outputFormat,
      serDeInfo: { name: table.format, serializationLibrary: serde.serializationLibrary, parameters: { ...serde.parameters } },
      columns: table.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.comment })),
    },
  };
}

export interface CatalogArgs {
  config: SluiceConfig;
  /** Name of the lake bucket the tables read. */
  lakeBucket: pulumi.Input<string>;
  /** Event types for the curated table's projection; defaults to the schema registry's. */
  registryTypes?: readonly string[];
}

/** The stack's Glue database and the lake's tables, declared in code with partition projection (no crawler). */
export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly tables: Record<string, aws.glue.CatalogTable>;
  readonly databaseName: string;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:catalog:Catalog', name, {}, opts);
    const { config } = args;
    this.databaseName = glueDatabaseName(config);
    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: this.databaseName, description: `Sluice ${config.stack}: the lake's tables`, tags: tagsFor(config, 'catalog') },
      statefulOptions(config, this),
    );
    const projection = projections(config, args.registryTypes ?? registryEventTypes());
    this.tables = {};
    for (const table of LAKE_TABLES) {
      const spec = pulumi.output(args.lakeBucket).apply((bucket) => glueTableSpec(table, bucket, projection[table.name] as Record<string, string>));
      this.tables[table.name] = new aws.glue.CatalogTable(
        `${name}-${table.name.replace(/_/g, '-')}`,
        {
          name: table.name,
          databaseName: this.database.name,
          description: table.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: spec.parameters,
          partitionKeys: spec.partitionKeys,
          storageDescriptor: spec.storageDescriptor,
        },
        statefulOptions(config, this),
      );
    }
    this.registerOutputs({ databaseName: this.database.name });
  }
}
