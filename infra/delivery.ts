import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { partitionTemplate } from '../core/lake/partitions';
import { AGGREGATES, CURATED_EVENTS, RAW_EVENTS } from '../core/lake/schema';
import { SluiceConfig } from '../stacks/types';
import { bundleFunction } from './bundle';
import { physicalName, tagsFor } from '../core/naming';
import { METRICS_NAMESPACE } from '../core/function-env';
import { keyUse, kinesisRead, logWrite, objectArns, policyDocument, PolicyDocument, serviceTrust, Statement } from '../core/iam';

/** Zone of the lake bucket where Firehose writes what it could not deliver or transform. */
export const DELIVERY_ERRORS_PREFIX = 'errors/delivery/';

/** The three delivery streams: which Kinesis stream each reads and which table it fills. */
export type DeliveryName = 'archive' | 'curated' | 'aggregates';
export const DELIVERY_NAMES: readonly DeliveryName[] = ['archive', 'curated', 'aggregates'];

/** S3 key prefixes of each delivery stream, in Firehose's expression language. */
export const DELIVERY_PREFIXES: Record<DeliveryName, string> = {
  // `!{timestamp}` is the record's arrival time at Firehose, in UTC.
  archive: partitionTemplate(RAW_EVENTS, (key) => (key === 'dt' ? '!{timestamp:yyyy-MM-dd}' : '!{timestamp:HH}')),
  curated: partitionTemplate(CURATED_EVENTS, (key) => `!{partitionKeyFromLambda:${key}}`),
  aggregates: partitionTemplate(AGGREGATES, (key) => `!{partitionKeyFromQuery:${key}}`),
};

/** Where each stream's failed records go; Firehose fills in the failure kind (processing-failed, format-conversion-failed, ...). */
export function errorOutputPrefix(delivery: DeliveryName): string {
  return `${DELIVERY_ERRORS_PREFIX}${delivery}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;
}

/**
 * Timestamp formats Firehose's Hive JSON deserializer accepts when converting to Parquet:
 * epoch milliseconds (the transform Lambda's rows) and the UTC text forms the aggregate job may emit.
 */
export const TIMESTAMP_FORMATS = ['millis', "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", 'yyyy-MM-dd HH:mm:ss.SSS', 'yyyy-MM-dd HH:mm:ss'];

/**
 * The transform Lambda's input buffer, Firehose's default for a Lambda processor. Its rows can be up to twice as large as its input once the
 * payload is re-encoded as a JSON string, plus base64; 1 MB of input stays far below the 6 MB
 * response limit, which the function enforces anyway (functions/firehose-transform/transform.ts).
 */
export const TRANSFORM_BUFFER_MB = 1;

/** `window_date` of an aggregate record: the date part of its `window_start` text. */
export const AGGREGATES_PARTITION_QUERY = '{window_date: .window_start[0:10]}';

export interface DeliveryArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  /** ARNs of the Kinesis streams read: events (archive), processed (curated), aggregates. */
  sourceStreamArns: Record<DeliveryName, pulumi.Input<string>>;
  /** The Glue database and the tables whose schemas Firehose converts to Parquet with. */
  databaseName: pulumi.Input<string>;
  curatedTableName: pulumi.Input<string>;
  aggregatesTableName: pulumi.Input<string>;
  /** Memory of the transform Lambda, in MB (default 512). */
  transformMemoryMb?: number;
  /** Timeout of the transform Lambda, in seconds (default 120; Firehose allows up to 300). */
  transformTimeoutSeconds?: number;
}

interface RoleScope {
  account: string;
  region: string;
  keyArn: string;
  bucketArn: string;
  streamArn: string;
  delivery: DeliveryName;
  logGroupArn: string;
  /** Parquet streams read their table's schema from Glue. */
  glue?: { databaseName: string; tableName: string };
  transformArn?: string;
}

/** The delivery role's policy: read one stream, write its own prefixes of the lake, log, and nothing else. */
export function deliveryRolePolicy(s: RoleScope): PolicyDocument {
  const prefixes = [prefixRoot(DELIVERY_PREFIXES[s.delivery]), `${DELIVERY_ERRORS_PREFIX}${s.delivery}/`];
  const statements: Statement[] = [
    kinesisRead('ReadSourceStream', s.streamArn, 'firehose'),
    { Sid: 'LocateLakeBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: s.bucketArn },
    { Sid: 'WriteOwnPrefixes', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], Resource: objectArns(s.bucketArn, prefixes) },
    keyUse('StackKeyForStreamAndLake', s.keyArn, { region: s.region, services: ['kinesis', 's3'] }),
    logWrite('DeliveryErrorLogs', s.logGroupArn),
  ];
  if (s.glue) {
    statements.push({
      Sid: 'ReadTableSchema',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [
        `arn:aws:glue:${s.region}:${s.account}:catalog`,
        `arn:aws:glue:${s.region}:${s.account}:database/${s.glue.databaseName}`,
        `arn:aws:glue:${s.region}:${s.account}:table/${s.glue.databaseName}/${s.glue.tableName}`,
      ],
    });
  }
  if (s.transformArn) {
    statements.push({ Sid: 'InvokeTransform', Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: s.transformArn });
  }
  return policyDocument(statements);
}

/** Firehose may assume a delivery role only on behalf of this account. */
export function firehoseTrustPolicy(account: string): PolicyDocument {
  return serviceTrust('firehose.amazonaws.com', { StringEquals: { 'sts:ExternalId': account } });
}

/** The static part of a prefix, before its first expression: the part IAM can scope to. */
function prefixRoot(prefix: string): string {
  const at = prefix.indexOf('!{');
  const root = at === -1 ? prefix : prefix.slice(0, at);
  return root.slice(0, root.lastIndexOf('/') + 1);
}

/**
 * Firehose delivery from the streams to the lake: the events archive (JSON, gzip, by arrival hour),
 * the curated events (transform Lambda, Parquet, partitioned by event type and created date) and the
 * aggregates (Parquet by window date), each with its own role, log group and error prefix.
 */
export class Delivery extends pulumi.ComponentResource {
  readonly streams: Record<DeliveryName, aws.kinesis.FirehoseDeliveryStream>;
  readonly transform: aws.lambda.Function;

  constructor(name: string, args: DeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:delivery:Delivery', name, {}, opts);
    const { config } = args;
    const { id: account, region } = config.account;
    const tags = tagsFor(config, 'delivery');
    const child = { parent: this };
    const retentionInDays = config.logs.retentionDays;

    const transformName = physicalName(config, 'firehose-transform');
    const transformLogs = new aws.cloudwatch.LogGroup(
      `${name}-transform-logs`,
      { name: `/aws/lambda/${transformName}`, retentionInDays, kmsKeyId: args.keyArn, tags },
      child,
    );
    const transformRole = new aws.iam.Role(
      `${name}-transform-role`,
      {
        name: physicalName(config, 'firehose-transform'),
        assumeRolePolicy: JSON.stringify(serviceTrust('lambda.amazonaws.com')),
        tags,
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-transform-policy`,
      {
        role: transformRole.id,
        // The function's environment is encrypted with the stack key, which Lambda decrypts with this role.
        policy: pulumi.all([transformLogs.arn, args.keyArn]).apply(([arn, keyArn]) =>
          JSON.stringify(
            policyDocument([
              logWrite('OwnLogGroup', arn, { createStreams: true }),
              { Sid: 'OwnEnvironment', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn, Condition: { StringEquals: { 'kms:EncryptionContext:LambdaFunctionName': transformName } } },
            ]),
          ),
        ),
      },
      child,
    );
    const bundle = bundleFunction('functions/firehose-transform/index.ts');
    this.transform = new aws.lambda.Function(
      `${name}-transform`,
      {
        name: transformName,
        description: `Sluice ${config.stack}: processed events to curated Parquet rows (bundle sha256 ${bundle.sha256.slice(0, 16)})`,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        code: bundle.code,
        role: transformRole.arn,
        memorySize: args.transformMemoryMb ?? 512,
        timeout: args.transformTimeoutSeconds ?? 120,
        kmsKeyArn: args.keyArn,
        loggingConfig: { logFormat: 'JSON', logGroup: transformLogs.name },
        environment: {
          variables: { POWERTOOLS_SERVICE_NAME: 'firehose-transform', POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL: 'INFO' },
        },
        tags,
      },
      { parent: this, dependsOn: [transformLogs] },
    );

    const streams = {} as Record<DeliveryName, aws.kinesis.FirehoseDeliveryStream>;
    for (const delivery of DELIVERY_NAMES) {
      const streamName = physicalName(config, delivery);
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${delivery}-logs`,
        { name: `/aws/kinesisfirehose/${streamName}`, retentionInDays, kmsKeyId: args.keyArn, tags },
        child,
      );
      const logStream = new aws.cloudwatch.LogStream(`${name}-${delivery}-log-stream`, { name: 'DestinationDelivery', logGroupName: logGroup.name }, child);
      const role = new aws.iam.Role(
        `${name}-${delivery}-role`,
        { name: physicalName(config, 'delivery', delivery), assumeRolePolicy: JSON.stringify(firehoseTrustPolicy(account)), tags },
        child,
      );
      const glueTable = delivery === 'curated' ? args.curatedTableName : delivery === 'aggregates' ? args.aggregatesTableName : undefined;
      const policy = new aws.iam.RolePolicy(
        `${name}-${delivery}-policy`,
        {
          role: role.id,
          policy: pulumi
            .all([args.keyArn, args.lakeBucketArn, args.sourceStreamArns[delivery], logGroup.arn, args.databaseName, glueTable ?? '', this.transform.arn])
            .apply(([keyArn, bucketArn, streamArn, logGroupArn, databaseName, tableName, transformArn]) =>
              JSON.stringify(
                deliveryRolePolicy({
                  account,
                  region,
                  keyArn,
                  bucketArn,
                  streamArn,
                  delivery,
                  logGroupArn,
                  ...(tableName ? { glue: { databaseName, tableName } } : {}),
                  ...(delivery === 'curated' ? { transformArn } : {}),
                }),
              ),
            ),
        },
        child,
      );

      const common = {
        roleArn: role.arn,
        bucketArn: args.lakeBucketArn,
        prefix: DELIVERY_PREFIXES[delivery],
        errorOutputPrefix: errorOutputPrefix(delivery),
        bufferingSize: config.delivery.bufferingMb,
        bufferingInterval: config.delivery.bufferingSeconds,
        kmsKeyArn: args.keyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
      };
      const parquet = (tableName: pulumi.Input<string>) => ({
        enabled: true,
        inputFormatConfiguration: { deserializer: { hiveJsonSerDe: { timestampFormats: TIMESTAMP_FORMATS } } },
        outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
        schemaConfiguration: { databaseName: args.databaseName, tableName, roleArn: role.arn, region, catalogId: account, versionId: 'LATEST' },
      });
      const destination: aws.types.input.kinesis.FirehoseDeliveryStreamExtendedS3Configuration =
        delivery === 'archive'
          ? {
              ...common,
              compressionFormat: 'GZIP',
              fileExtension: RAW_EVENTS.extension,
              // Records arrive without separators; one JSON object per line is what the raw table reads.
              processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
            }
          : delivery === 'curated'
            ? {
                ...common,
                compressionFormat: 'UNCOMPRESSED',
                fileExtension: CURATED_EVENTS.extension,
                dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
                processingConfiguration: {
                  enabled: true,
                  processors: [
                    {
                      type: 'Lambda',
                      // Only what differs from Firehose's defaults (a buffer of TRANSFORM_BUFFER_MB, 60 s, 3
                      // retries): Firehose does not return default parameters, so sending them shows a diff
                      // on every `pulumi up`.
                      parameters: [{ parameterName: 'LambdaArn', parameterValue: this.transform.arn }],
                    },
                  ],
                },
                dataFormatConversionConfiguration: parquet(args.curatedTableName),
              }
            : {
                ...common,
                compressionFormat: 'UNCOMPRESSED',
                fileExtension: AGGREGATES.extension,
                dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
                processingConfiguration: {
                  enabled: true,
                  processors: [
                    {
                      type: 'MetadataExtraction',
                      parameters: [
                        { parameterName: 'MetadataExtractionQuery', parameterValue: AGGREGATES_PARTITION_QUERY },
                        { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
                      ],
                    },
                  ],
                },
                dataFormatConversionConfiguration: parquet(args.aggregatesTableName),
              };
      streams[delivery] = new aws.kinesis.FirehoseDeliveryStream(
        `${name}-${delivery}`,
        {
          name: streamName,
          destination: 'extended_s3',
          // A Kinesis-sourced delivery stream cannot carry its own SSE: the source stream and the
          // destination objects are both encrypted with the stack key instead.
          kinesisSourceConfiguration: { kinesisStreamArn: args.sourceStreamArns[delivery], roleArn: role.arn },
          extendedS3Configuration: destination,
          tags,
        },
        { parent: this, dependsOn: [policy] },
      );
    }
    this.streams = streams;
    this.registerOutputs({
      transformArn: this.transform.arn,
      ...Object.fromEntries(DELIVERY_NAMES.map((d) => [`${d}DeliveryStreamArn`, streams[d].arn])),
    });
  }
}
