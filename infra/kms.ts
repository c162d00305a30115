import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SluiceConfig } from '../stacks/types';
import { statefulOptions } from './naming';
import { physicalName, streamArn, tagsFor } from '../core/naming';
import { FLINK_JOBS } from '../core/jobs';
import { accountRoot, policyDocument, PolicyDocument } from '../core/iam';
import { crossAccountKeyStatements } from './access';

export interface PlatformKeyArgs {
  config: SluiceConfig;
}

/**
 * The key policy: IAM in the stack's account decides who in it uses the key; the services that
 * encrypt on their own behalf are named with the account they act for; other accounts get exactly
 * what `sluice:access` gives them, through Kinesis and for one stream each.
 */
export function keyPolicy(config: Pick<SluiceConfig, 'stack' | 'account' | 'access'>): PolicyDocument {
  const { id, region } = config.account;
  const applications = FLINK_JOBS.map((job) => `arn:aws:kinesisanalytics:${region}:${id}:application/${physicalName(config, job)}`);
  const forApplications = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': applications };
  return policyDocument([
    { Sid: 'AccountIamPolicies', Effect: 'Allow', Principal: { AWS: accountRoot(id) }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'CloudWatchLogsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: `logs.${region}.amazonaws.com` },
      // CloudWatch Logs' documented key statement grants Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*
      // and Describe*; these are the actions those patterns name for a symmetric key.
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${id}:log-group:*` } },
    },
    {
      Sid: 'S3NotificationsToEncryptedTopics',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id } },
    },
    // The alarm topic is encrypted with this key: the services that publish to it need a data key.
    {
      Sid: 'CloudWatchAlarmsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${id}:alarm:*` } },
    },
    {
      Sid: 'BudgetsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'budgets.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id } },
    },
    // Managed Flink encrypts the applications' durable state (checkpoints, snapshots) as
    // kinesisanalytics and their running state as infrastructure.kinesisanalytics, each only
    // for the stack's own applications (Managed Flink's "Managing CMK using APIs").
    {
      Sid: 'ManagedFlinkDescribesKey',
      Effect: 'Allow',
      Principal: { Service: ['kinesisanalytics.amazonaws.com', 'infrastructure.kinesisanalytics.amazonaws.com'] },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': applications, 'aws:SourceAccount': id } },
    },
    {
      Sid: 'ManagedFlinkDurableStateWrite',
      Effect: 'Allow',
      Principal: { Service: 'kinesisanalytics.amazonaws.com' },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': applications, 'aws:SourceAccount': id, ...forApplications } },
    },
    {
      Sid: 'ManagedFlinkDurableStateRead',
      Effect: 'Allow',
      Principal: { Service: 'kinesisanalytics.amazonaws.com' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: forApplications },
    },
    {
      Sid: 'ManagedFlinkRunningState',
      Effect: 'Allow',
      Principal: { Service: 'infrastructure.kinesisanalytics.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'],
      Resource: '*',
      Condition: { StringEquals: forApplications },
    },
    {
      Sid: 'ManagedFlinkRunningStateGrant',
      Effect: 'Allow',
      Principal: { Service: 'infrastructure.kinesisanalytics.amazonaws.com' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        StringEquals: { ...forApplications, 'kms:GrantConstraintType': 'EncryptionContextSubset' },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
      },
    },
    ...crossAccountKeyStatements({
      region,
      ingestArn: streamArn(config, 'ingest'),
      processedArn: streamArn(config, 'processed'),
      producers: config.access.producers.map((p) => p.account),
      consumers: config.access.consumers.map((c) => c.account),
    }),
  ]);
}

/** The stack's customer-managed KMS key (with an alias); every stream, bucket, log group and delivery stream uses it. */
export class PlatformKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:kms:PlatformKey', name, {}, opts);
    const { config } = args;
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Sluice ${config.stack}: streams, lake, logs, delivery and Flink application state`,
        enableKeyRotation: config.kms.rotation,
        deletionWindowInDays: config.kms.deletionWindowDays,
        policy: JSON.stringify(keyPolicy(config)),
        tags: tagsFor(config, 'kms'),
      },
      statefulOptions(config, this),
    );
    this.alias = new aws.kms.Alias(`${name}-alias`, { name: `alias/${physicalName(config)}`, targetKeyId: this.key.keyId }, { parent: this });
    this.registerOutputs({ keyArn: this.key.arn });
  }
}
