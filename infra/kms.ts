import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SluiceConfig } from '../stacks/types';
import { statefulOptions } from './naming';
import { physicalName, tagsFor } from '../core/naming';
import { accountRoot, policyDocument, PolicyDocument, Statement, viaService } from '../core/iam';

export interface PlatformKeyArgs {
  config: SluiceConfig;
}

/** The key policy: IAM in the stack's account decides who uses the key, plus the services that encrypt on their own behalf. */
export function keyPolicy(config: Pick<SluiceConfig, 'account' | 'ingestion'>): PolicyDocument {
  const { id, region } = config.account;
  const producers = config.ingestion.producerAccounts;
  // Producer accounts put records on the KMS-encrypted ingest stream, which needs a data key;
  // only through Kinesis, as the stream's resource policy decides what they may do there.
  const producerStatements: Statement[] =
    producers.length === 0
      ? []
      : [
          {
            Sid: 'ProducerAccountsThroughKinesis',
            Effect: 'Allow',
            Principal: { AWS: producers.map(accountRoot) },
            Action: 'kms:GenerateDataKey',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': viaService('kinesis', region) } },
          },
        ];
  return policyDocument([
    { Sid: 'AccountIamPolicies', Effect: 'Allow', Principal: { AWS: accountRoot(id) }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'CloudWatchLogsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${id}:log-group:*` } },
    },
    {
      Sid: 'S3NotificationsToEncryptedTopics',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id } },
    },
    // The alarm topic is encrypted with this key: the services that publish to it need a data key.
    {
      Sid: 'CloudWatchAlarmsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${id}:alarm:*` } },
    },
    {
      Sid: 'BudgetsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'budgets.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': id } },
    },
    ...producerStatements,
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
        description: `Sluice ${config.stack}: streams, lake, logs and delivery`,
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
