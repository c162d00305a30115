import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { errorZonePrefix, STREAM_SOURCE } from '../core/error-zone';
import { FileSourceConfig, SluiceConfig } from '../stacks/types';
import { functionBundle, FunctionBundle } from './bundle';
import { buildNamedFunction, SCHEMA_REGISTRY, type FunctionCode } from './function-code';
import { physicalName, tagsFor } from '../core/naming';
import { FUNCTION_ENV, METRICS_NAMESPACE } from '../core/function-env';
import { FAILURE_QUEUE_RETENTION_DAYS } from '../core/delivery';
import { keyUse, kinesisRead, kinesisWrite, logWrite, policyDocument, PolicyDocument, s3Objects, serviceTrust, Statement } from '../core/iam';

/** Function code of the ingestion functions: each bundle carries the schema registry folder. */
export { SCHEMA_REGISTRY };

/** Seconds a message stays in the dead-letter and on-failure queues (see core/delivery.ts). */
export const FAILURE_QUEUE_RETENTION_SECONDS = FAILURE_QUEUE_RETENTION_DAYS * 24 * 3600;

export interface IngestionArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
  /** The landing bucket (file drops); its notifications are set here. */
  landingBucket: aws.s3.Bucket;
  /** The lake bucket, whose `errors/` zone receives invalid input. */
  lakeBucket: aws.s3.Bucket;
  /** ARN of the untrusted `ingest` stream the stream validator reads. */
  ingestStreamArn: pulumi.Input<string>;
  /** ARN of the `events` stream valid events are published to. */
  eventsStreamArn: pulumi.Input<string>;
  /** Built code of the functions (a release's); each one missing is bundled from the working tree. */
  functionCode?: { 's3-ingest'?: FunctionCode; 'stream-validate'?: FunctionCode };
}

const lambdaTrust = serviceTrust('lambda.amazonaws.com');

/** Statements every ingestion function needs: publish to `events`, write its own error prefix, use the key, write its own logs. */
function commonStatements(s: { keyArn: string; eventsStreamArn: string; lakeBucketArn: string; errorPrefix: string; logGroupArn: string; failureQueueArn: string }): Statement[] {
  return [
    kinesisWrite('PublishEvents', s.eventsStreamArn),
    s3Objects('WriteErrorZone', ['s3:PutObject'], s.lakeBucketArn, [s.errorPrefix]),
    { Sid: 'FailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: s.failureQueueArn },
    keyUse('StackKey', s.keyArn),
    logWrite('OwnLogs', s.logGroupArn, { createStreams: true }),
  ];
}

export interface S3IngestPolicyScope {
  keyArn: string;
  eventsStreamArn: string;
  landingBucketArn: string;
  lakeBucketArn: string;
  source: FileSourceConfig;
  logGroupArn: string;
  deadLetterQueueArn: string;
}

/** Role policy of one source's s3-ingest function: read its landing prefix, and the common statements. */
export function s3IngestRolePolicy(s: S3IngestPolicyScope): PolicyDocument {
  return policyDocument([
    s3Objects('ReadLandingPrefix', ['s3:GetObject', 's3:GetObjectVersion'], s.landingBucketArn, [s.source.prefix]),
    ...commonStatements({ ...s, errorPrefix: errorZonePrefix(s.source.name), failureQueueArn: s.deadLetterQueueArn }),
  ]);
}

export interface StreamValidatePolicyScope {
  keyArn: string;
  ingestStreamArn: string;
  eventsStreamArn: string;
  lakeBucketArn: string;
  logGroupArn: string;
  onFailureQueueArn: string;
}

/** Role policy of the stream validator: read the ingest stream (what an event source mapping needs), and the common statements. */
export function streamValidateRolePolicy(s: StreamValidatePolicyScope): PolicyDocument {
  return policyDocument([
    kinesisRead('ReadIngestStream', s.ingestStreamArn, 'lambda'),
    ...commonStatements({ ...s, errorPrefix: errorZonePrefix(STREAM_SOURCE), failureQueueArn: s.onFailureQueueArn }),
  ]);
}

/** Topic policy: only S3 notifications of the landing bucket, in the stack's account, may publish. */
export function landingTopicPolicy(s: { topicArn: string; landingBucketArn: string; account: string }): PolicyDocument {
  return policyDocument([
    {
      Sid: 'LandingBucketNotifications',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: s.topicArn,
      Condition: { ArnLike: { 'aws:SourceArn': s.landingBucketArn }, StringEquals: { 'aws:SourceAccount': s.account } },
    },
  ]);
}

/** One source's pieces, exposed for other components (alarms, dashboards). */
export interface SourceIngestion {
  readonly topic: aws.sns.Topic;
  readonly function: aws.lambda.Function;
}

/**
 * Ingestion: per file-drop source an SNS topic fed by the landing bucket's notifications for the
 * source's prefix and an s3-ingest function subscribed to it (failed invocations to a dead-letter
 * queue); the stream validator on the `ingest` stream (partial batch responses, bisect on error,
 * bounded retries, an on-failure queue). Both functions are bundled here, from the repository, by
 * esbuild, unless a release's built code is given. Other accounts' access to the ingest stream is
 * the Access component's (infra/access.ts).
 */
export class Ingestion extends pulumi.ComponentResource {
  readonly sources: Record<string, SourceIngestion>;
  readonly streamValidate: aws.lambda.Function;
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly onFailureQueue: aws.sqs.Queue;

  constructor(name: string, args: IngestionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:ingestion:Ingestion', name, {}, opts);
    const { config, keyArn } = args;
    const { id: account } = config.account;
    const tags = tagsFor(config, 'ingestion');
    const child = { parent: this };
    const ing = config.ingestion;
    const common = {
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memorySize: ing.functionMemoryMb,
      timeout: ing.functionTimeoutSeconds,
      kmsKeyArn: keyArn,
      tags,
    };
    const environment = (service: string, extra: Record<string, pulumi.Input<string>>) => ({
      variables: {
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [FUNCTION_ENV.eventsStreamArn]: args.eventsStreamArn,
        [FUNCTION_ENV.lakeBucket]: args.lakeBucket.bucket,
        [FUNCTION_ENV.unknownEventNames]: config.validation.unknownEventNames,
        ...extra,
      },
    });
    const queue = (suffix: string) =>
      new aws.sqs.Queue(`${name}-${suffix}`, { name: physicalName(config, suffix), kmsMasterKeyId: keyArn, messageRetentionSeconds: FAILURE_QUEUE_RETENTION_SECONDS, tags }, child);
    const logGroup = (suffix: string, functionName: string) =>
      new aws.cloudwatch.LogGroup(`${name}-${suffix}-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: config.logs.retentionDays, kmsKeyId: keyArn, tags }, child);
    const role = (suffix: string, roleName: string) => new aws.iam.Role(`${name}-${suffix}-role`, { name: roleName, assumeRolePolicy: JSON.stringify(lambdaTrust), tags }, child);
    const describe = (what: string, bundle: FunctionBundle) => `Sluice ${config.stack}: ${what} (bundle sha256 ${bundle.sha256.slice(0, 16)})`;

    this.deadLetterQueue = queue('s3-ingest-dlq');
    this.onFailureQueue = queue('stream-validate-failures');

    const s3IngestBundle = functionBundle(args.functionCode?.['s3-ingest'] ?? buildNamedFunction('s3-ingest'));
    const sources: Record<string, SourceIngestion> = {};
    const topicPolicies: aws.sns.TopicPolicy[] = [];
    // What must exist before the first notification is sent: each topic's subscription and invoke permission.
    const delivery: pulumi.Resource[] = [];
    for (const source of ing.sources) {
      const id = `${name}-${source.name}`;
      const functionName = physicalName(config, 's3-ingest', source.name);
      const topic = new aws.sns.Topic(`${id}-topic`, { name: physicalName(config, 'landing', source.name), kmsMasterKeyId: keyArn, tags }, child);
      topicPolicies.push(
        new aws.sns.TopicPolicy(
          `${id}-topic-policy`,
          {
            arn: topic.arn,
            policy: pulumi.all([topic.arn, args.landingBucket.arn]).apply(([topicArn, landingBucketArn]) => JSON.stringify(landingTopicPolicy({ topicArn, landingBucketArn, account }))),
          },
          child,
        ),
      );
      const logs = logGroup(`${source.name}-s3-ingest`, functionName);
      const fnRole = role(`${source.name}-s3-ingest`, functionName);
      const rolePolicy = new aws.iam.RolePolicy(
        `${id}-s3-ingest-policy`,
        {
          role: fnRole.id,
          policy: pulumi
            .all([keyArn, args.eventsStreamArn, args.landingBucket.arn, args.lakeBucket.arn, logs.arn, this.deadLetterQueue.arn])
            .apply(([k, events, landing, lake, logArn, dlq]) =>
              JSON.stringify(s3IngestRolePolicy({ keyArn: k, eventsStreamArn: events, landingBucketArn: landing, lakeBucketArn: lake, source, logGroupArn: logArn, deadLetterQueueArn: dlq })),
            ),
        },
        child,
      );
      const fn = new aws.lambda.Function(
        `${id}-s3-ingest`,
        {
          ...common,
          name: functionName,
          description: describe(`ingests file drops of source ${source.name}`, s3IngestBundle),
          code: s3IngestBundle.code,
          role: fnRole.arn,
          deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
          loggingConfig: { logFormat: 'JSON', logGroup: logs.name },
          environment: environment('s3-ingest', { [FUNCTION_ENV.source]: source.name, [FUNCTION_ENV.prefix]: source.prefix, [FUNCTION_ENV.format]: source.format }),
        },
        { parent: this, dependsOn: [logs, rolePolicy] },
      );
      const invoke = new aws.lambda.Permission(
        `${id}-s3-ingest-invoke`,
        { action: 'lambda:InvokeFunction', function: fn.name, principal: 'sns.amazonaws.com', sourceArn: topic.arn, sourceAccount: account },
        child,
      );
      delivery.push(invoke, new aws.sns.TopicSubscription(`${id}-subscription`, { topic: topic.arn, protocol: 'lambda', endpoint: fn.arn }, child));
      sources[source.name] = { topic, function: fn };
    }
    this.sources = sources;

    if (ing.sources.length > 0) {
      // One notification configuration per bucket: every source's prefix is a topic configuration of it.
      new aws.s3.BucketNotification(
        `${name}-landing-notifications`,
        {
          bucket: args.landingBucket.id,
          topics: ing.sources.map((source) => ({ id: source.name, topicArn: sources[source.name].topic.arn, events: ['s3:ObjectCreated:*'], filterPrefix: source.prefix })),
        },
        { parent: this, dependsOn: [...topicPolicies, ...delivery] },
      );
    }

    const validateName = physicalName(config, 'stream-validate');
    const validateLogs = logGroup('stream-validate', validateName);
    const validateRole = role('stream-validate', validateName);
    const validatePolicy = new aws.iam.RolePolicy(
      `${name}-stream-validate-policy`,
      {
        role: validateRole.id,
        policy: pulumi
          .all([keyArn, args.ingestStreamArn, args.eventsStreamArn, args.lakeBucket.arn, validateLogs.arn, this.onFailureQueue.arn])
          .apply(([k, ingest, events, lake, logArn, failures]) =>
            JSON.stringify(streamValidateRolePolicy({ keyArn: k, ingestStreamArn: ingest, eventsStreamArn: events, lakeBucketArn: lake, logGroupArn: logArn, onFailureQueueArn: failures })),
          ),
      },
      child,
    );
    const validateBundle = functionBundle(args.functionCode?.['stream-validate'] ?? buildNamedFunction('stream-validate'));
    this.streamValidate = new aws.lambda.Function(
      `${name}-stream-validate`,
      {
        ...common,
        name: validateName,
        description: describe('validates the ingest stream', validateBundle),
        code: validateBundle.code,
        role: validateRole.arn,
        loggingConfig: { logFormat: 'JSON', logGroup: validateLogs.name },
        environment: environment('stream-validate', {}),
      },
      { parent: this, dependsOn: [validateLogs, validatePolicy] },
    );
    this.eventSourceMapping = new aws.lambda.EventSourceMapping(
      `${name}-stream-validate-mapping`,
      {
        eventSourceArn: args.ingestStreamArn,
        functionName: this.streamValidate.arn,
        // From the oldest record kept: a new or re-created mapping loses nothing that is on the stream.
        startingPosition: 'TRIM_HORIZON',
        batchSize: ing.streamBatchSize,
        functionResponseTypes: ['ReportBatchItemFailures'],
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: ing.streamMaxRetries,
        destinationConfig: { onFailure: { destinationArn: this.onFailureQueue.arn } },
        tags,
      },
      { parent: this, dependsOn: [validatePolicy] },
    );

    this.registerOutputs({
      topicArns: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, v.topic.arn])),
      s3IngestFunctionArns: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, v.function.arn])),
      streamValidateArn: this.streamValidate.arn,
      deadLetterQueueArn: this.deadLetterQueue.arn,
      onFailureQueueArn: this.onFailureQueue.arn,
    });
  }
}
