import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { partitionTemplate } from '../core/lake/partitions';
import { RAW_EVENTS } from '../core/lake/schema';
import { SluiceConfig } from '../stacks/types';
import { physicalName, tagsFor } from '../core/naming';
import { keyUse, kinesisRead, logWrite, objectArns, policyDocument, PolicyDocument, serviceTrust } from '../core/iam';

/** Zone of the lake bucket where Firehose writes what it could not deliver. */
export const DELIVERY_ERRORS_PREFIX = 'errors/delivery/';

/**
 * The one delivery stream: the archive of the events stream. The curated tables are written by
 * the Flink jobs themselves (Iceberg, exactly once), not by Firehose.
 */
export type DeliveryName = 'archive';
export const DELIVERY_NAMES: readonly DeliveryName[] = ['archive'];

/** S3 key prefixes of each delivery stream, in Firehose's expression language. */
export const DELIVERY_PREFIXES: Record<DeliveryName, string> = {
  // `!{timestamp}` is the record's arrival time at Firehose, in UTC.
  archive: partitionTemplate(RAW_EVENTS, (key) => (key === 'dt' ? '!{timestamp:yyyy-MM-dd}' : '!{timestamp:HH}')),
};

/** Where each stream's failed records go; Firehose fills in the failure kind (processing-failed, ...). */
export function errorOutputPrefix(delivery: DeliveryName): string {
  return `${DELIVERY_ERRORS_PREFIX}${delivery}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;
}

export interface DeliveryArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  /** ARNs of the Kinesis streams read: events (archive). */
  sourceStreamArns: Record<DeliveryName, pulumi.Input<string>>;
}

interface RoleScope {
  region: string;
  keyArn: string;
  bucketArn: string;
  streamArn: string;
  delivery: DeliveryName;
  logGroupArn: string;
}

/** The delivery role's policy: read one stream, write its own prefixes of the lake, log, and nothing else. */
export function deliveryRolePolicy(s: RoleScope): PolicyDocument {
  const prefixes = [prefixRoot(DELIVERY_PREFIXES[s.delivery]), `${DELIVERY_ERRORS_PREFIX}${s.delivery}/`];
  return policyDocument([
    kinesisRead('ReadSourceStream', s.streamArn, 'firehose'),
    { Sid: 'LocateLakeBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: s.bucketArn },
    { Sid: 'WriteOwnPrefixes', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], Resource: objectArns(s.bucketArn, prefixes) },
    keyUse('StackKeyForStreamAndLake', s.keyArn, { region: s.region, services: ['kinesis', 's3'] }),
    logWrite('DeliveryErrorLogs', s.logGroupArn),
  ]);
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
 * Firehose delivery of the events stream to the raw archive (JSON lines, gzip, by arrival hour),
 * the history that replay reads, with its own role, log group and error prefix.
 */
export class Delivery extends pulumi.ComponentResource {
  readonly streams: Record<DeliveryName, aws.kinesis.FirehoseDeliveryStream>;

  constructor(name: string, args: DeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:delivery:Delivery', name, {}, opts);
    const { config } = args;
    const { id: account, region } = config.account;
    const tags = tagsFor(config, 'delivery');
    const child = { parent: this };
    const retentionInDays = config.logs.retentionDays;

    const streams = {} as Record<DeliveryName, aws.kinesis.FirehoseDeliveryStream>;
    for (const delivery of DELIVERY_NAMES) {
      const streamName = physicalName(config, delivery);
      const logGroup = new aws.cloudwatch.LogGroup(`${name}-${delivery}-logs`, { name: `/aws/kinesisfirehose/${streamName}`, retentionInDays, kmsKeyId: args.keyArn, tags }, child);
      const logStream = new aws.cloudwatch.LogStream(`${name}-${delivery}-log-stream`, { name: 'DestinationDelivery', logGroupName: logGroup.name }, child);
      const role = new aws.iam.Role(`${name}-${delivery}-role`, { name: physicalName(config, 'delivery', delivery), assumeRolePolicy: JSON.stringify(firehoseTrustPolicy(account)), tags }, child);
      const policy = new aws.iam.RolePolicy(
        `${name}-${delivery}-policy`,
        {
          role: role.id,
          policy: pulumi
            .all([args.keyArn, args.lakeBucketArn, args.sourceStreamArns[delivery], logGroup.arn])
            .apply(([keyArn, bucketArn, streamArn, logGroupArn]) => JSON.stringify(deliveryRolePolicy({ region, keyArn, bucketArn, streamArn, delivery, logGroupArn }))),
        },
        child,
      );
      streams[delivery] = new aws.kinesis.FirehoseDeliveryStream(
        `${name}-${delivery}`,
        {
          name: streamName,
          destination: 'extended_s3',
          // A Kinesis-sourced delivery stream cannot carry its own SSE: the source stream and the
          // destination objects are both encrypted with the stack key instead.
          kinesisSourceConfiguration: { kinesisStreamArn: args.sourceStreamArns[delivery], roleArn: role.arn },
          extendedS3Configuration: {
            roleArn: role.arn,
            bucketArn: args.lakeBucketArn,
            prefix: DELIVERY_PREFIXES[delivery],
            errorOutputPrefix: errorOutputPrefix(delivery),
            bufferingSize: config.delivery.bufferingMb,
            bufferingInterval: config.delivery.bufferingSeconds,
            kmsKeyArn: args.keyArn,
            cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
            compressionFormat: 'GZIP',
            fileExtension: RAW_EVENTS.extension,
            // Records arrive without separators; one JSON object per line is what the raw table reads.
            processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
          },
          tags,
        },
        { parent: this, dependsOn: [policy] },
      );
    }
    this.streams = streams;
    this.registerOutputs(Object.fromEntries(DELIVERY_NAMES.map((d) => [`${d}DeliveryStreamArn`, streams[d].arn])));
  }
}
