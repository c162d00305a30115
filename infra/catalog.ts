import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { partitionTemplate } from '../core/lake/partitions';
import { ERRORS, glueType, ICEBERG_TABLES, LAKE_TABLES, RAW_EVENTS, type IcebergTableDefinition, type TableDefinition } from '../core/lake/schema';
import { ICEBERG_TABLE_PROPERTIES, icebergSchema } from '../core/lake/iceberg';
import { icebergTableLocation, OPTIMIZER_LOG_GROUPS, tableOptimizerPolicy } from '../core/lake/access';
import { SluiceConfig } from '../stacks/types';
import { statefulOptions } from './naming';
import { STREAM_SOURCE } from '../core/error-zone';
import { glueDatabaseName, physicalName, tagsFor } from '../core/naming';

/** The raw and error zones: JSON lines read through Hive tables with partition projection. */
export const HIVE_TABLES: readonly TableDefinition[] = LAKE_TABLES.filter((t) => t.format === 'json');

const JSON_SERDE = {
  serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  // A line that is not JSON fails the query instead of reading as nulls: the writers only write JSON.
  parameters: { 'serialization.format': '1', 'ignore.malformed.json': 'FALSE' },
} as const;

/** Partition projection settings of the Hive tables (without the location template). */
export function projections(config: SluiceConfig): Record<string, Record<string, string>> {
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
    [ERRORS.name]: {
      'projection.source.type': 'enum',
      'projection.source.values': sources.join(','),
      ...days('dt', `NOW-${lc.errorsExpireDays}DAYS,NOW`),
    },
  };
}

/** The Glue table input of one Hive table of the lake: columns, partition keys, SerDe, location and projection. */
export function glueTableSpec(table: TableDefinition, bucket: string, projection: Record<string, string>) {
  if (table.format !== 'json') throw new Error(`table ${table.name}: only the JSON zones are Hive tables; ${table.format} tables are Iceberg tables`);
  const serde = JSON_SERDE;
  const location = `s3://${bucket}/${table.prefix}`;
  return {
    description: table.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: table.format,
      ...(table.name === RAW_EVENTS.name ? { compressionType: 'gzip' } : {}),
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

/**
 * The Glue input of a curated table as an Iceberg v2 table: its location, the schema and the
 * partition spec from the lake schema (Glue wants each field's type as a JSON value), and the
 * table properties. Glue writes the first metadata file; the Flink jobs commit to it from then on.
 */
export function icebergTableInput(table: IcebergTableDefinition, bucket: string) {
  const schema = icebergSchema(table);
  return {
    location: icebergTableLocation(bucket, table),
    schema: {
      schemaId: schema.schemaId,
      type: 'struct',
      fields: schema.fields.map((f) => ({ id: f.id, name: f.name, type: JSON.stringify(f.type), required: f.required, doc: f.doc })),
    },
    partitionSpec: { specId: schema.partitionSpec.specId, fields: schema.partitionSpec.fields.map((f) => ({ ...f })) },
    properties: { ...ICEBERG_TABLE_PROPERTIES },
  };
}

/** Settings of the table optimizers; each default is what the component uses when it is left out. */
export interface OptimizerSettings {
  /** Snapshots younger than this stay for time travel and readers in flight (default 1 day). */
  snapshotRetentionDays?: number;
  /** Snapshots always kept, however old (default 10). */
  snapshotsToRetain?: number;
  /** Hours between snapshot-retention runs, 3 to 168 (default 3: a 5 s commit interval adds 720 snapshots an hour). */
  retentionRunRateHours?: number;
  /** Files no snapshot references are deleted after this many days (default 3). */
  orphanFileRetentionDays?: number;
}

/** The three optimizers' configurations of one table, without the role; pure so the defaults are tested. */
export function optimizerConfigurations(settings: OptimizerSettings = {}) {
  return {
    compaction: { compactionConfiguration: { icebergConfiguration: { strategy: 'binpack' } } },
    retention: {
      retentionConfiguration: {
        icebergConfiguration: {
          snapshotRetentionPeriodInDays: settings.snapshotRetentionDays ?? 1,
          numberOfSnapshotsToRetain: settings.snapshotsToRetain ?? 10,
          runRateInHours: settings.retentionRunRateHours ?? 3,
          cleanExpiredFiles: true,
        },
      },
    },
    orphan_file_deletion: {
      orphanFileDeletionConfiguration: {
        icebergConfiguration: { orphanFileRetentionPeriodInDays: settings.orphanFileRetentionDays ?? 3, runRateInHours: 24 },
      },
    },
  };
}

/** The optimizer types, as Glue's TableOptimizerType names them. */
export const OPTIMIZER_TYPES = ['compaction', 'retention', 'orphan_file_deletion'] as const;

export interface CatalogArgs {
  config: SluiceConfig;
  /** Name and ARN of the lake bucket the tables live in. */
  lakeBucket: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  /** The stack key: the lake's files are SSE-KMS with it, the optimizers' log groups too. */
  keyArn: pulumi.Input<string>;
  /** The table optimizers' settings (see OptimizerSettings for the defaults). */
  optimizers?: OptimizerSettings;
}

/**
 * The stack's Glue database and the lake's tables, declared in code (no crawler): Hive tables with
 * partition projection for the raw and error zones, Iceberg v2 tables for the curated zone, with
 * compaction, snapshot retention and orphan-file deletion running on their own role.
 */
export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly tables: Record<string, aws.glue.CatalogTable>;
  readonly databaseName: string;
  readonly optimizerRole: aws.iam.Role;
  readonly optimizers: aws.glue.CatalogTableOptimizer[];

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:catalog:Catalog', name, {}, opts);
    const { config } = args;
    const { id: account, region } = config.account;
    const tags = tagsFor(config, 'catalog');
    this.databaseName = glueDatabaseName(config);
    this.database = new aws.glue.CatalogDatabase(`${name}-database`, { name: this.databaseName, description: `Sluice ${config.stack}: the lake's tables`, tags }, statefulOptions(config, this));
    const projection = projections(config);
    const resourceName = (table: { name: string }) => `${name}-${table.name.replace(/_/g, '-')}`;
    this.tables = {};
    for (const table of HIVE_TABLES) {
      const spec = pulumi.output(args.lakeBucket).apply((bucket) => glueTableSpec(table, bucket, projection[table.name] as Record<string, string>));
      this.tables[table.name] = new aws.glue.CatalogTable(
        resourceName(table),
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
    for (const table of ICEBERG_TABLES) {
      // Only the Iceberg input: Glue derives the table's parameters and storage descriptor from it,
      // and every Flink commit rewrites them, so declaring them here would fight the writer.
      this.tables[table.name] = new aws.glue.CatalogTable(
        resourceName(table),
        {
          name: table.name,
          databaseName: this.database.name,
          catalogId: account,
          openTableFormatInput: {
            icebergInput: {
              metadataOperation: 'CREATE',
              version: '2',
              icebergTableInput: pulumi.output(args.lakeBucket).apply((bucket) => icebergTableInput(table, bucket)),
            },
          },
        },
        // A table declared anew (a Hive table becoming Iceberg) keeps its name, so the old one goes first.
        { ...statefulOptions(config, this), deleteBeforeReplace: true },
      );
    }

    for (const group of OPTIMIZER_LOG_GROUPS) {
      new aws.cloudwatch.LogGroup(`${name}-${group.split('/')[2]}-logs`, { name: group, retentionInDays: config.logs.retentionDays, kmsKeyId: args.keyArn, tags }, { parent: this });
    }
    this.optimizerRole = new aws.iam.Role(
      `${name}-optimizer-role`,
      {
        name: physicalName(config, 'table-optimizer'),
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-optimizer-policy`,
      {
        role: this.optimizerRole.id,
        policy: pulumi
          .all([args.lakeBucketArn, args.keyArn])
          .apply(([bucketArn, keyArn]) => JSON.stringify(tableOptimizerPolicy({ account, region, databaseName: this.databaseName, bucketArn, keyArn, tables: ICEBERG_TABLES }))),
      },
      { parent: this },
    );
    const configurations = optimizerConfigurations(args.optimizers);
    this.optimizers = ICEBERG_TABLES.flatMap((table) =>
      OPTIMIZER_TYPES.map(
        (type) =>
          new aws.glue.CatalogTableOptimizer(
            `${resourceName(table)}-${type.replace(/_/g, '-')}`,
            {
              catalogId: account,
              databaseName: this.database.name,
              tableName: this.tables[table.name]!.name,
              type,
              configuration: { roleArn: this.optimizerRole.arn, enabled: true, ...configurations[type] },
            },
            { parent: this, dependsOn: [policy] },
          ),
      ),
    );
    this.registerOutputs({ databaseName: this.database.name, optimizerRoleArn: this.optimizerRole.arn });
  }
}
