import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { accountRoot, KINESIS_PUT_ACTIONS, policyDocument, PolicyDocument, Statement, viaService } from '../core/iam';
import { physicalName, tagsFor } from '../core/naming';
import { ConsumerAccess, ProducerAccess, SluiceConfig } from '../stacks/types';

/** What a producer calls on `ingest`: look the stream up, then put records. */
export const PRODUCER_STREAM_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', ...KINESIS_PUT_ACTIONS] as const;

/** What an enhanced fan-out reader calls on the stream itself: look it up and list its shards. */
export const CONSUMER_STREAM_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards'] as const;

/** What it calls on its registered consumer: wait for it to be ACTIVE, then subscribe to each shard. */
export const CONSUMER_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'] as const;

/** The registered name of a consumer: prefixed by its account, so two accounts may pick the same name. */
export function consumerName(account: string, name: string): string {
  return `${account}-${name}`;
}

/** The name of a role config asks for: `sluice-<stack>-access-<role>`, apart from every role the platform itself uses. */
export function accessRoleName(config: Pick<SluiceConfig, 'stack'>, role: string): string {
  return physicalName(config, 'access', role);
}

/**
 * Use of the stack key through Kinesis for one stream only: Kinesis passes the stream's ARN as the
 * encryption context of every KMS call it makes for the stream, so the grant cannot be used for any
 * other stream the key encrypts (Kinesis Data Streams, "Permissions to use user-generated KMS keys").
 */
export function streamKeyCondition(region: string, streamArn: string): Statement['Condition'] {
  return { StringEquals: { 'kms:ViaService': viaService('kinesis', region), 'kms:EncryptionContext:aws:kinesis:arn': streamArn } };
}

/** Key-policy statements for the configured accounts: producers may get data keys for `ingest`, consumers may decrypt `processed`. */
export function crossAccountKeyStatements(s: { region: string; ingestArn: string; processedArn: string; producers: readonly string[]; consumers: readonly string[] }): Statement[] {
  const statements: Statement[] = [];
  if (s.producers.length > 0) {
    statements.push({
      Sid: 'ProducerAccountsThroughKinesisForIngest',
      Effect: 'Allow',
      Principal: { AWS: s.producers.map(accountRoot) },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: streamKeyCondition(s.region, s.ingestArn),
    });
  }
  if (s.consumers.length > 0) {
    statements.push({
      Sid: 'ConsumerAccountsThroughKinesisForProcessed',
      Effect: 'Allow',
      Principal: { AWS: s.consumers.map(accountRoot) },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: streamKeyCondition(s.region, s.processedArn),
    });
  }
  return statements;
}

/** Resource policy of `ingest`: the producer accounts may look it up and put records, nothing else. */
export function producerStreamPolicy(s: { streamArn: string; producerAccounts: readonly string[] }): PolicyDocument {
  return policyDocument([{ Sid: 'ProducerAccounts', Effect: 'Allow', Principal: { AWS: s.producerAccounts.map(accountRoot) }, Action: [...PRODUCER_STREAM_ACTIONS], Resource: s.streamArn }]);
}

/** Resource policy of `processed`: the consumer accounts may look it up and list its shards; they read through their consumers. */
export function consumerStreamPolicy(s: { streamArn: string; consumerAccounts: readonly string[] }): PolicyDocument {
  return policyDocument([{ Sid: 'ConsumerAccounts', Effect: 'Allow', Principal: { AWS: s.consumerAccounts.map(accountRoot) }, Action: [...CONSUMER_STREAM_ACTIONS], Resource: s.streamArn }]);
}

/** Resource policy of one registered consumer: only the account it was registered for may use it. */
export function consumerPolicy(s: { consumerArn: string; account: string }): PolicyDocument {
  return policyDocument([{ Sid: 'ConsumerAccount', Effect: 'Allow', Principal: { AWS: accountRoot(s.account) }, Action: [...CONSUMER_ACTIONS], Resource: s.consumerArn }]);
}

/** Trust policy of a role an outside account may assume: principals of that account whose own IAM lets them. */
export function accountTrustPolicy(account: string): PolicyDocument {
  return policyDocument([{ Effect: 'Allow', Principal: { AWS: accountRoot(account) }, Action: 'sts:AssumeRole' }]);
}

/** Policy of a producer account's role: put on `ingest`, with the key through Kinesis for `ingest` only. */
export function producerRolePolicy(s: { region: string; ingestArn: string; keyArn: string }): PolicyDocument {
  return policyDocument([
    { Sid: 'PutOnIngest', Effect: 'Allow', Action: [...PRODUCER_STREAM_ACTIONS], Resource: s.ingestArn },
    { Sid: 'IngestKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: s.keyArn, Condition: streamKeyCondition(s.region, s.ingestArn) },
  ]);
}

/** Policy of a consumer account's role: read `processed` through the account's own consumers, with the key for `processed` only. */
export function consumerRolePolicy(s: { region: string; processedArn: string; consumerArns: readonly string[]; keyArn: string }): PolicyDocument {
  return policyDocument([
    { Sid: 'LocateProcessed', Effect: 'Allow', Action: [...CONSUMER_STREAM_ACTIONS], Resource: s.processedArn },
    { Sid: 'ReadThroughOwnConsumers', Effect: 'Allow', Action: [...CONSUMER_ACTIONS], Resource: [...s.consumerArns] },
    { Sid: 'ProcessedKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: s.keyArn, Condition: streamKeyCondition(s.region, s.processedArn) },
  ]);
}

export interface AccessArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
  ingestStreamArn: pulumi.Input<string>;
  processedStreamArn: pulumi.Input<string>;
}

/**
 * Access from other accounts, exactly as `sluice:access` says: producer accounts put records on
 * `ingest` (its resource policy), consumer accounts read `processed` through enhanced fan-out
 * consumers registered here for them (the stream's and each consumer's resource policy), and a role
 * in this account for each entry that names one. The key-policy half is in kms.ts.
 */
export class Access extends pulumi.ComponentResource {
  /** Registered consumers by account, then by the name config gives. */
  readonly consumers: Record<string, Record<string, aws.kinesis.StreamConsumer>>;
  readonly roles: Record<string, aws.iam.Role>;

  constructor(name: string, args: AccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:access:Access', name, {}, opts);
    const { config } = args;
    const { producers, consumers } = config.access;
    const { region } = config.account;
    const tags = tagsFor(config, 'access');
    const child = { parent: this };
    this.consumers = {};
    this.roles = {};

    if (producers.length > 0) {
      new aws.kinesis.ResourcePolicy(
        `${name}-ingest-producers`,
        {
          resourceArn: args.ingestStreamArn,
          policy: pulumi.output(args.ingestStreamArn).apply((streamArn) => JSON.stringify(producerStreamPolicy({ streamArn, producerAccounts: producers.map((p) => p.account) }))),
        },
        child,
      );
    }
    // Kinesis evaluates the stream's resource policy when a consumer is registered against it, so
    // the consumers follow the policy.
    const streamPolicy =
      consumers.length === 0
        ? undefined
        : new aws.kinesis.ResourcePolicy(
            `${name}-processed-consumers`,
            {
              resourceArn: args.processedStreamArn,
              policy: pulumi.output(args.processedStreamArn).apply((streamArn) => JSON.stringify(consumerStreamPolicy({ streamArn, consumerAccounts: consumers.map((c) => c.account) }))),
            },
            child,
          );
    for (const entry of consumers) {
      const registered: Record<string, aws.kinesis.StreamConsumer> = {};
      for (const consumer of entry.consumers) {
        const id = `${name}-${consumerName(entry.account, consumer)}`;
        const resource = new aws.kinesis.StreamConsumer(
          `${id}-consumer`,
          { name: consumerName(entry.account, consumer), streamArn: args.processedStreamArn },
          { parent: this, dependsOn: streamPolicy ? [streamPolicy] : [] },
        );
        new aws.kinesis.ResourcePolicy(
          `${id}-consumer-policy`,
          { resourceArn: resource.arn, policy: resource.arn.apply((consumerArn) => JSON.stringify(consumerPolicy({ consumerArn, account: entry.account }))) },
          child,
        );
        registered[consumer] = resource;
      }
      this.consumers[entry.account] = registered;
    }

    const role = (entry: ProducerAccess | ConsumerAccess, policy: pulumi.Input<string>) => {
      const roleName = accessRoleName(config, entry.role as string);
      const resource = new aws.iam.Role(`${name}-${entry.role}-role`, { name: roleName, assumeRolePolicy: JSON.stringify(accountTrustPolicy(entry.account)), tags }, child);
      new aws.iam.RolePolicy(`${name}-${entry.role}-policy`, { role: resource.id, policy }, child);
      this.roles[entry.role as string] = resource;
    };
    for (const entry of producers.filter((p) => p.role !== undefined)) {
      role(
        entry,
        pulumi.all([args.ingestStreamArn, args.keyArn]).apply(([ingestArn, keyArn]) => JSON.stringify(producerRolePolicy({ region, ingestArn, keyArn }))),
      );
    }
    for (const entry of consumers.filter((c) => c.role !== undefined)) {
      const arns = Object.values(this.consumers[entry.account] ?? {}).map((c) => c.arn);
      role(
        entry,
        pulumi
          .all([args.processedStreamArn, args.keyArn, pulumi.all(arns)])
          .apply(([processedArn, keyArn, consumerArns]) => JSON.stringify(consumerRolePolicy({ region, processedArn, consumerArns, keyArn }))),
      );
    }

    this.registerOutputs({
      consumerArns: Object.fromEntries(Object.entries(this.consumers).map(([account, byName]) => [account, Object.fromEntries(Object.entries(byName).map(([n, c]) => [n, c.arn]))])),
      roleArns: Object.fromEntries(Object.entries(this.roles).map(([n, r]) => [n, r.arn])),
    });
  }
}
