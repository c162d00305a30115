import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { loadNamedQueries, type NamedQuery } from '../core/named-queries';
import { ICEBERG_TABLES } from '../core/lake/schema';
import { SluiceConfig } from '../stacks/types';
import { physicalName, tagsFor, workgroupName } from '../core/naming';
import { keyUse, objectArns, policyDocument, PolicyDocument, s3Objects } from '../core/iam';

/** Athena's engine version 3 (Trino), as the workgroup API names it. */
export const ENGINE_VERSION = 'Athena engine version 3';

/** Key prefix of the workgroup's query results in the results bucket. */
export const RESULTS_PREFIX = 'workgroup/';

/** Athena caps a named query's description at 1024 characters. */
const DESCRIPTION_LIMIT = 1024;

interface AnalystScope {
  account: string;
  region: string;
  workgroup: string;
  databaseName: string;
  lakeBucketArn: string;
  resultsBucketArn: string;
  keyArn: string;
}

/**
 * The analysts' permissions: run and read queries in the stack's workgroup, read the catalog of
 * the stack's database, read the curated zone, read and write query results, and use the stack key
 * through S3 only. The raw and error zones stay out of reach: they hold input as it arrived.
 */
export function analystPolicy(s: AnalystScope): PolicyDocument {
  const glue = (suffix: string) => `arn:aws:glue:${s.region}:${s.account}:${suffix}`;
  const curatedPrefixes = ICEBERG_TABLES.map((t) => t.prefix);
  return policyDocument([
    {
      Sid: 'QueriesInOwnWorkgroup',
      Effect: 'Allow',
      Action: [
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetQueryResultsStream',
        'athena:GetQueryRuntimeStatistics',
        'athena:ListQueryExecutions',
        'athena:BatchGetQueryExecution',
        'athena:GetWorkGroup',
        'athena:GetNamedQuery',
        'athena:ListNamedQueries',
        'athena:BatchGetNamedQuery',
      ],
      Resource: `arn:aws:athena:${s.region}:${s.account}:workgroup/${s.workgroup}`,
    },
    {
      Sid: 'CatalogThroughAthena',
      Effect: 'Allow',
      Action: ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:ListDatabases', 'athena:GetTableMetadata', 'athena:ListTableMetadata'],
      Resource: `arn:aws:athena:${s.region}:${s.account}:datacatalog/AwsDataCatalog`,
    },
    {
      Sid: 'ReadStackTables',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      Resource: [glue('catalog'), glue(`database/${s.databaseName}`), glue(`table/${s.databaseName}/*`)],
    },
    { Sid: 'ListCuratedZone', Effect: 'Allow', Action: 's3:ListBucket', Resource: s.lakeBucketArn, Condition: { StringLike: { 's3:prefix': curatedPrefixes.map((p) => `${p}*`) } } },
    { Sid: 'LocateBuckets', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: [s.lakeBucketArn, s.resultsBucketArn] },
    { Sid: 'ReadCuratedZone', Effect: 'Allow', Action: 's3:GetObject', Resource: objectArns(s.lakeBucketArn, curatedPrefixes) },
    { Sid: 'ListResults', Effect: 'Allow', Action: 's3:ListBucket', Resource: s.resultsBucketArn, Condition: { StringLike: { 's3:prefix': [`${RESULTS_PREFIX}*`] } } },
    // ListBucketMultipartUploads has no s3:prefix key: under the ListResults condition it would never be allowed.
    { Sid: 'ListResultUploads', Effect: 'Allow', Action: 's3:ListBucketMultipartUploads', Resource: s.resultsBucketArn },
    s3Objects('ReadWriteResults', ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], s.resultsBucketArn, [RESULTS_PREFIX]),
    // Decrypt reads the lake and the results; GenerateDataKey writes results encrypted with the stack key.
    keyUse('StackKeyThroughS3', s.keyArn, { region: s.region, services: ['s3'] }),
  ]);
}

/**
 * Athena's description of a named query: the file's description and how to fill its parameters
 * (the stored text keeps its `:name` placeholders), cut to Athena's limit.
 */
export function namedQueryDescription(query: NamedQuery): string {
  const params =
    query.params.length === 0
      ? ''
      : ` Parameters: ${query.params.map((p) => `:${p.name} (${p.type}${p.default !== undefined ? `, default ${p.default}` : ''})`).join(', ')};` +
        ` run it with: npx sluice query ${query.name} --stack <stack> --param <name>=<value>.`;
  const text = `${query.description}${params}`;
  return text.length <= DESCRIPTION_LIMIT ? text : `${text.slice(0, DESCRIPTION_LIMIT - 3)}...`;
}

export interface AnalyticsArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  resultsBucket: pulumi.Input<string>;
  resultsBucketArn: pulumi.Input<string>;
  /** Named queries to publish; defaults to every file in sql/athena. */
  namedQueries?: readonly NamedQuery[];
}

/** The analysts' Athena workgroup, their named queries and the managed policy that scopes them. */
export class Analytics extends pulumi.ComponentResource {
  readonly workgroup: aws.athena.Workgroup;
  readonly analystPolicy: aws.iam.Policy;

  constructor(name: string, args: AnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:analytics:Analytics', name, {}, opts);
    const { config } = args;
    const tags = tagsFor(config, 'analytics');
    const workgroup = workgroupName(config);
    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: workgroup,
        description: `Sluice ${config.stack}: analysts' queries over the lake`,
        state: 'ENABLED',
        forceDestroy: !config.protection.stateful,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: config.analytics.bytesScannedCutoffPerQuery,
          engineVersion: { selectedEngineVersion: ENGINE_VERSION },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${args.resultsBucket}/${RESULTS_PREFIX}`,
            encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: args.keyArn },
          },
        },
        tags,
      },
      { parent: this },
    );
    for (const query of args.namedQueries ?? loadNamedQueries()) {
      new aws.athena.NamedQuery(
        `${name}-query-${query.name}`,
        { name: query.name, description: namedQueryDescription(query), database: args.databaseName, workgroup: this.workgroup.name, query: query.sql },
        { parent: this },
      );
    }
    this.analystPolicy = new aws.iam.Policy(
      `${name}-analyst-policy`,
      {
        name: physicalName(config, 'analyst'),
        description: `Sluice ${config.stack}: query the lake's curated zone in workgroup ${workgroup}`,
        policy: pulumi
          .all([args.databaseName, args.lakeBucketArn, args.resultsBucketArn, args.keyArn])
          .apply(([databaseName, lakeBucketArn, resultsBucketArn, keyArn]) =>
            JSON.stringify(analystPolicy({ account: config.account.id, region: config.account.region, workgroup, databaseName, lakeBucketArn, resultsBucketArn, keyArn })),
          ),
        tags,
      },
      { parent: this },
    );
    this.registerOutputs({ workgroup: this.workgroup.name, analystPolicyArn: this.analystPolicy.arn });
  }
}
