/**
 * The typed, validated configuration of one stack: everything in the `sluice:` namespace of
 * `Pulumi.<stack>.yaml`, with defaults applied. Produced once by `loadStackConfig` and passed down
 * to every component; components never read `pulumi.Config` themselves.
 */
export interface SluiceConfig {
  /** The Pulumi stack name (dev, prod, ...). */
  readonly stack: string;
  readonly account: AccountConfig;
  /** The release the stack runs (`sluice release`); absent: the working tree's build outputs. */
  readonly release?: string;
  readonly pipeline: PipelineConfig;
  readonly protection: ProtectionConfig;
  /** Extra tags put on every resource, beside the project, stack and component tags. */
  readonly tags: Readonly<Record<string, string>>;
  readonly kms: KmsConfig;
  readonly streams: StreamsConfig;
  readonly lake: LakeConfig;
  readonly ingestion: IngestionConfig;
  readonly validation: ValidationConfig;
  readonly processing: ProcessingConfig;
  readonly sources: SourcesConfig;
  readonly delivery: DeliveryConfig;
  readonly analytics: AnalyticsConfig;
  readonly alerts: AlertsConfig;
  readonly logs: LogsConfig;
  readonly access: AccessConfig;
}

export interface AccountConfig {
  /** The 12-digit AWS account id the stack deploys into. */
  readonly id: string;
  /** The AWS region of every resource of the stack. */
  readonly region: string;
  /** The role Pulumi assumes to deploy; must belong to `id`. */
  readonly deployRoleArn: string;
  /** A read-only role of `id` that `sluice status` assumes instead of the deploy role. */
  readonly readOnlyRoleArn?: string;
}

/** How releases reach the stack (`sluice promote`, .github/workflows/delivery.yml). */
export interface PipelineConfig {
  /** The role GitHub Actions assumes with its OIDC token to deploy this stack; in the stack's account. */
  readonly oidcRoleArn?: string;
  /** The stack whose verified release is promoted to this one (`sluice promote --to <this>`). */
  readonly promoteFrom?: string;
  /** How long the source stack must have run a release before it may be promoted here. */
  readonly soakMinutes: number;
}

export interface ProtectionConfig {
  /** Protect streams, buckets and the key from deletion (`protect` and `retainOnDelete`). */
  readonly stateful: boolean;
}

export interface KmsConfig {
  /** Yearly automatic rotation of the stack's customer-managed key. */
  readonly rotation: boolean;
  /** Waiting period before a scheduled key deletion takes effect. */
  readonly deletionWindowDays: number;
}

export type StreamName = 'ingest' | 'events' | 'processed' | 'aggregates';
export { STREAM_NAMES } from '../core/config-values';

export interface StreamConfig {
  readonly capacityMode: 'ON_DEMAND' | 'PROVISIONED';
  /** Required with PROVISIONED, absent with ON_DEMAND. */
  readonly shardCount?: number;
  readonly retentionHours: number;
}

export type StreamsConfig = { readonly [K in StreamName]: StreamConfig };

export interface LakeLifecycleConfig {
  /** Days before raw archive objects move to Glacier Instant Retrieval. */
  readonly rawGlacierDays: number;
  /** Days before raw archive objects expire. */
  readonly rawExpireDays: number;
  /** Days before curated objects move to Standard-IA. */
  readonly curatedInfrequentAccessDays: number;
  /** Days before error-zone objects expire. */
  readonly errorsExpireDays: number;
  /** Days before noncurrent object versions in versioned buckets expire. */
  readonly noncurrentVersionExpireDays: number;
  /** Days before file drops in the landing bucket expire. */
  readonly landingExpireDays: number;
  /** Days before Athena query results expire. */
  readonly athenaResultsExpireDays: number;
}

export interface LakeConfig {
  readonly lifecycle: LakeLifecycleConfig;
}

export type SourceFormat = 'jsonl' | 'json-array' | 'auto';

export interface FileSourceConfig {
  /** Source name, written into every event's `source` field and the error-zone partition. */
  readonly name: string;
  /** Key prefix in the landing bucket, ending in `/`. */
  readonly prefix: string;
  readonly format: SourceFormat;
}

export interface IngestionConfig {
  readonly sources: readonly FileSourceConfig[];
  readonly functionMemoryMb: number;
  readonly functionTimeoutSeconds: number;
  /** Records per invocation of the stream validator. */
  readonly streamBatchSize: number;
  /** Retries of a failing stream batch before it goes to the on-failure destination. */
  readonly streamMaxRetries: number;
}

export interface ValidationConfig {
  /** What happens to an event whose `event_name` has no schema in the registry. */
  readonly unknownEventNames: 'accept' | 'reject';
}

export interface FlinkAppConfig {
  readonly parallelism: number;
  readonly parallelismPerKpu: number;
  readonly autoScaling: boolean;
  /** Start from the latest snapshot on every update and restart (default true). */
  readonly restoreFromSnapshot: boolean;
  /** Let a restore drop snapshot state that no operator of the new job claims (default false). */
  readonly allowNonRestoredState: boolean;
  /** Where the job's Kinesis source starts when it runs without restored state. */
  readonly startPosition: 'TRIM_HORIZON' | 'LATEST';
}

export interface ProcessingConfig {
  readonly dedupTtlHours: number;
  readonly excludeEventTypes: readonly string[];
  readonly excludeEventNames: readonly string[];
  readonly maxFutureSkewSeconds: number;
  readonly windowSeconds: number;
  readonly allowedLatenessSeconds: number;
  readonly checkpointIntervalSeconds: number;
  readonly snapshots: boolean;
  readonly dedupFilter: FlinkAppConfig;
  readonly aggregate: FlinkAppConfig;
}

/** Sources the dedup-filter application reads beside the `events` stream. */
export interface SourcesConfig {
  readonly kafka?: KafkaSourceConfig;
}

/** An Amazon MSK topic the dedup-filter application reads beside `events`, with IAM access control. */
export interface KafkaSourceConfig {
  readonly clusterArn: string;
  /** The cluster's IAM bootstrap brokers (port 9098). */
  readonly bootstrapServers: string;
  readonly topic: string;
  /** The consumer group the application reads as (offsets, lag metrics). */
  readonly consumerGroup: string;
  readonly auth: 'iam';
  /** Where the source starts without restored state. */
  readonly startingOffsets: 'earliest' | 'latest';
  /**
   * Where the application's network interfaces go: subnets of an existing VPC that reach the
   * cluster and security groups the cluster accepts (`subnetIds` with `securityGroupIds`), or a
   * VPC created for the application (`newVpc`); exactly one of the two (stacks/load.ts).
   */
  readonly network: KafkaSourceNetworkConfig;
}

export interface KafkaSourceNetworkConfig {
  readonly subnetIds?: readonly string[];
  readonly securityGroupIds?: readonly string[];
  readonly newVpc?: NewVpcConfig;
}

/** A VPC created for the dedup-filter application's network interfaces (infra/kafka-source.ts). */
export interface NewVpcConfig {
  readonly cidrBlock: string;
  /** One private subnet (the application's) and one public subnet (its NAT gateway) per zone. */
  readonly availabilityZones: readonly string[];
  /** One NAT gateway for the VPC, or one per zone. */
  readonly natGateways: 'Single' | 'OnePerAz';
}

export interface DeliveryConfig {
  readonly bufferingSeconds: number;
  readonly bufferingMb: number;
}

export interface AnalyticsConfig {
  /** Per-query scan limit of the workgroup, in bytes. */
  readonly bytesScannedCutoffPerQuery: number;
}

export interface LogsConfig {
  readonly retentionDays: number;
}

export interface BudgetConfig {
  /** The monthly cost limit of the stack's tagged resources, in USD. */
  readonly monthlyUsd: number;
  /** Alert when actual spend passes this percentage of the limit. */
  readonly actualPercent: number;
  /** Alert when forecast spend passes this percentage of the limit. */
  readonly forecastPercent: number;
}

/** Alarm thresholds, periods and subscribers of a stack (`sluice:alerts`). */
export interface AlertsConfig {
  /** E-mail subscribers of the alarm topic (each confirms once). */
  readonly email: readonly string[];
  /** HTTPS subscribers of the alarm topic (e.g. a chat or paging webhook). */
  readonly https: readonly string[];
  /** The period of every alarm except the no-data and zero-processed ones, in seconds. */
  readonly periodSeconds: number;
  /** How many periods a condition must hold before an alarm fires. */
  readonly evaluationPeriods: number;
  /** Minutes without incoming records on `events` before the no-data alarm fires. */
  readonly noDataMinutes: number;
  /** Minutes of zero records on `processed` while `events` receives before that alarm fires. */
  readonly zeroProcessedMinutes: number;
  /** Age of the oldest unread record of the stream validator, in seconds. */
  readonly iteratorAgeSeconds: number;
  /** Flink source lag (`millisBehindLatest`) in seconds. */
  readonly flinkLagSeconds: number;
  /** Kafka consumer-group lag in messages (only with `sluice:sources.kafka`). */
  readonly kafkaOffsetLag: number;
  /** Share of invalid events of a source, in percent. */
  readonly invalidPercent: number;
  /** Messages in a dead-letter or on-failure queue. */
  readonly failureQueueMessages: number;
  /** Flink job restarts within one period. */
  readonly restarts: number;
  /** Failed checkpoints of a Flink job within one period. */
  readonly failedCheckpoints: number;
  /** Duration of a Flink job's last checkpoint, in seconds. */
  readonly checkpointDurationSeconds: number;
  /** Minutes since the last Iceberg commit of a lake table. */
  readonly lakeFreshnessMinutes: number;
  /** Age of the oldest archive record not yet in S3 (Firehose `DeliveryToS3.DataFreshness`), in seconds. */
  readonly archiveFreshnessSeconds: number;
  /** Function errors within one period. */
  readonly lambdaErrors: number;
  /** Function throttles within one period. */
  readonly lambdaThrottles: number;
  /** Longest invocation as a percentage of the function timeout. */
  readonly durationTimeoutPercent: number;
  /** Throttled writes on a stream within one period. */
  readonly writeThrottles: number;
  readonly budget: BudgetConfig;
}

/** An account whose principals may put records on the `ingest` stream. */
export interface ProducerAccess {
  readonly account: string;
  /** A role `sluice-<stack>-access-<role>` the account may assume to put records, when named. */
  readonly role?: string;
}

/** An account whose principals read `processed` through enhanced fan-out consumers registered for it. */
export interface ConsumerAccess {
  readonly account: string;
  /** Consumers registered on `processed` for this account, as `<account>-<name>`. */
  readonly consumers: readonly string[];
  /** A role `sluice-<stack>-access-<role>` the account may assume to read, when named. */
  readonly role?: string;
}

/** Other accounts' access: each gets exactly what its entries say, nothing by default. */
export interface AccessConfig {
  readonly producers: readonly ProducerAccess[];
  readonly consumers: readonly ConsumerAccess[];
}
