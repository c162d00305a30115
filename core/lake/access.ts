/**
 * Where the curated Iceberg tables live and who may touch them: the table locations in the lake
 * bucket, the Glue resources of a table, and the IAM statements of the two kinds of writers, the
 * Flink jobs (Iceberg's GlueCatalog and S3FileIO) and the Glue table optimizers. Pure functions
 * over resolved names and ARNs, so the documents are tested without Pulumi.
 */
import type { IcebergTableDefinition } from './schema';

/** A statement of an identity policy, as the lake's roles need them. */
export interface LakeStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Key prefixes Iceberg writes under a table's location (Iceberg's `write.data.path` and `write.metadata.path` defaults). */
export const ICEBERG_DATA_DIR = 'data/';
export const ICEBERG_METADATA_DIR = 'metadata/';

/** An Iceberg table's location, `s3://<bucket>/<prefix without its trailing slash>`: Iceberg appends `/data`, `/metadata`. */
export function icebergTableLocation(bucket: string, table: IcebergTableDefinition): string {
  return `s3://${bucket}/${table.prefix.replace(/\/$/, '')}`;
}

export interface GlueScope {
  readonly account: string;
  readonly region: string;
  readonly databaseName: string;
}

/** The Glue resources a table-level call is authorised on: the catalog, the database and the table. */
export function glueTableArns(s: GlueScope, tables: readonly IcebergTableDefinition[]): string[] {
  const glue = (suffix: string) => `arn:aws:glue:${s.region}:${s.account}:${suffix}`;
  return [glue('catalog'), glue(`database/${s.databaseName}`), ...tables.map((t) => glue(`table/${s.databaseName}/${t.name}`))];
}

export interface IcebergWriterScope extends GlueScope {
  readonly bucketArn: string;
  /** The one table the job commits to. */
  readonly table: IcebergTableDefinition;
}

/**
 * What a Flink job needs to append to one Iceberg table through Iceberg's GlueCatalog and S3FileIO:
 * - check that the database and the table exist (Iceberg's Flink table factory, before it would
 *   create them: GlueCatalog.loadNamespaceMetadata calls glue:GetDatabase, and the table is loaded
 *   by GlueTableOperations.doRefresh: glue:GetTable); with no grant to create either, a missing
 *   table stops the job instead of being created by Flink;
 * - commit on each checkpoint: GetTable again to compare the metadata location, then glue:UpdateTable
 *   with the new one (GlueTableOperations.doCommit);
 * - read the current metadata file and manifests (s3:GetObject under metadata/), write data files,
 *   manifests and the new metadata file (s3:PutObject under data/ and metadata/), abort a failed
 *   multipart upload of a large data file (s3:AbortMultipartUpload under data/), and delete what a
 *   commit leaves behind under metadata/ (the Flink committer's temporary manifests, failed commits'
 *   metadata, and metadata files beyond `write.metadata.previous-versions-max`).
 * The stack key for S3's SSE-KMS is granted with the stream encryption of the same role.
 */
export function icebergWriterStatements(s: IcebergWriterScope): LakeStatement[] {
  const [catalog, database, table] = glueTableArns(s, [s.table]) as [string, string, string];
  const under = (dir: string) => `${s.bucketArn}/${s.table.prefix}${dir}*`;
  return [
    { Sid: 'ResolveLakeDatabase', Effect: 'Allow', Action: ['glue:GetDatabase'], Resource: [catalog, database] },
    { Sid: 'CommitToLakeTable', Effect: 'Allow', Action: ['glue:GetTable', 'glue:UpdateTable'], Resource: [catalog, database, table] },
    {
      Sid: 'LakeTableMetadata',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [under(ICEBERG_METADATA_DIR)],
    },
    { Sid: 'LakeTableData', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [under(ICEBERG_DATA_DIR)] },
  ];
}

/** The log groups the Glue table optimizers write to (one per optimizer type, named by Glue). */
export const OPTIMIZER_LOG_GROUPS = ['/aws-glue/iceberg-compaction/logs', '/aws-glue/iceberg-retention/logs', '/aws-glue/iceberg-orphan-file-deletion/logs'] as const;

export interface OptimizerScope extends GlueScope {
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly tables: readonly IcebergTableDefinition[];
}

/**
 * The table optimizers' role (Glue's "Table optimization prerequisites"), on exactly the curated
 * tables: compaction and snapshot retention read and rewrite files and commit through the table
 * (s3:GetObject/PutObject/DeleteObject, glue:GetTable/UpdateTable); orphan-file deletion lists the
 * table location (s3:ListBucket on those prefixes only) and deletes what no snapshot references.
 * Each optimizer writes its run log to its own Glue-named log group, and every file is under the
 * stack key (SSE-KMS), used through S3 only.
 */
export function tableOptimizerPolicy(s: OptimizerScope): { Version: '2012-10-17'; Statement: LakeStatement[] } {
  const prefixes = s.tables.map((t) => t.prefix);
  const logGroup = (name: string) => `arn:aws:logs:${s.region}:${s.account}:log-group:${name}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RewriteTableFiles',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: prefixes.map((p) => `${s.bucketArn}/${p}*`),
      },
      {
        Sid: 'ListTableLocations',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [s.bucketArn],
        // A listing of the location itself names the prefix with or without its trailing slash.
        Condition: { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p.replace(/\/$/, ''), `${p}*`]) } },
      },
      { Sid: 'CommitToTables', Effect: 'Allow', Action: ['glue:GetTable', 'glue:UpdateTable'], Resource: glueTableArns(s, s.tables) },
      // CreateLogGroup is authorised on the group's ARN, the stream calls on the ARNs of its streams.
      { Sid: 'OptimizerLogGroups', Effect: 'Allow', Action: ['logs:CreateLogGroup'], Resource: OPTIMIZER_LOG_GROUPS.map(logGroup) },
      { Sid: 'OptimizerLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: OPTIMIZER_LOG_GROUPS.map((g) => `${logGroup(g)}:log-stream:*`) },
      {
        Sid: 'StackKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [s.keyArn],
        Condition: { StringEquals: { 'kms:ViaService': `s3.${s.region}.amazonaws.com` } },
      },
    ],
  };
}
