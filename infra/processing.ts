import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FLINK_JOBS, jobSqlParameters, type FlinkJobName } from '../core/jobs';
import { FlinkAppConfig, KafkaSourceConfig, SluiceConfig } from '../stacks/types';
import { KafkaSource, mskReadStatements, vpcAccessStatements, type KafkaSourceMonitoring, type KafkaSourceNetwork } from './kafka-source';
import { MSK_TABLES, mskSqlParameters } from '../core/msk';
import { glueDatabaseName, physicalName, tagsFor } from '../core/naming';
import { LAKE_AGGREGATES, LAKE_EVENTS, type IcebergTableDefinition } from '../core/lake/schema';
import { icebergWriterStatements, type IcebergWriterScope } from '../core/lake/access';
import { keyUse, kinesisRead, kinesisWrite, policyDocument, PolicyDocument, serviceTrust, type Statement } from '../core/iam';

/** The Managed Flink runtime the runner jar is built for (Flink 2.2, Java 17). */
export const FLINK_RUNTIME = 'FLINK-2_2';

/** The runtime property group the runner reads its job and parameters from. */
export const PROPERTY_GROUP = 'sluice';

/** Key prefix of deployable artifacts in the lake bucket. */
export const FLINK_CODE_PREFIX = 'artifacts/flink/';

/** A content-addressed runner jar: its S3 key changes whenever the jar or any job SQL changes. */
export interface FlinkCodeArtifact {
  /** Local path of the jar to upload. */
  jarPath: string;
  /** sha256 over the jar and every file under sql/flink. */
  sha256: string;
  /** `artifacts/flink/sluice-flink-runner-<first 16 hex of sha256>.jar` */
  key: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .map((entry) => join(dir, entry))
    .flatMap((path) => (statSync(path).isDirectory() ? filesUnder(path) : [path]));
}

/**
 * Hashes the runner jar together with the job SQL. The jar already packages the SQL; hashing the
 * SQL as well keeps the key honest even if a jar were rebuilt from stale resources.
 */
export function flinkCodeArtifact(jarPath: string, sqlDir: string): FlinkCodeArtifact {
  if (!existsSync(jarPath)) {
    throw new Error(`the Flink runner jar ${jarPath} does not exist; build it with \`make flink-jar-cloud\` before \`pulumi up\``);
  }
  const hash = createHash('sha256');
  hash.update(readFileSync(jarPath));
  for (const file of filesUnder(sqlDir).sort()) {
    hash.update(`\0${relative(sqlDir, file)}\0`);
    hash.update(readFileSync(file));
  }
  const sha256 = hash.digest('hex');
  return { jarPath, sha256, key: `${FLINK_CODE_PREFIX}sluice-flink-runner-${sha256.slice(0, 16)}.jar` };
}

/** The streams a job reads and writes, by ARN. */
export interface FlinkJobStreams {
  events: string;
  processed: string;
  aggregates: string;
}

/** Where a job's Iceberg table lives: the lake bucket (warehouse `s3://<bucket>/curated`) and the stack key. */
export interface FlinkJobLake {
  bucket: string;
  keyArn: string;
}

/** The Iceberg warehouse's prefix in the lake bucket: the curated zone. */
export const LAKE_WAREHOUSE_PREFIX = 'curated';

/**
 * The runtime properties of a job's application (property group `sluice`): the job name, its
 * streams, its lake table's catalog location and key, and its SQL parameters; with an MSK source
 * (dedup-filter only), `tables` names the runner's table environment with the topic beside the
 * stream (`cloud-msk`), and the topic's parameters. Values are plain text; the runner validates
 * each against its declared type before it reaches SQL.
 */
export function runtimeProperties(job: FlinkJobName, config: SluiceConfig, streams: FlinkJobStreams, lake: FlinkJobLake): Record<string, string> {
  const app = appConfig(job, config);
  const common = {
    job,
    region: config.account.region,
    start_position: app.startPosition,
    lake_warehouse: `s3://${lake.bucket}/${LAKE_WAREHOUSE_PREFIX}`,
    glue_database: glueDatabaseName(config),
    kms_key_arn: lake.keyArn,
  };
  const io: Record<string, string> =
    job === 'dedup-filter' ? { events_stream_arn: streams.events, processed_stream_arn: streams.processed } : { processed_stream_arn: streams.processed, aggregates_stream_arn: streams.aggregates };
  const kafka = jobKafkaSource(job, config);
  const msk: Record<string, string> = kafka ? { tables: MSK_TABLES, ...mskSqlParameters(kafka) } : {};
  return { ...common, ...io, ...msk, ...jobSqlParameters(job, config) };
}

export function appConfig(job: FlinkJobName, config: SluiceConfig): FlinkAppConfig {
  return job === 'dedup-filter' ? config.processing.dedupFilter : config.processing.aggregate;
}

/** The stream a job reads and the one it writes. */
export function jobStreamArns(job: FlinkJobName, streams: FlinkJobStreams): { source: string; sink: string } {
  return job === 'dedup-filter' ? { source: streams.events, sink: streams.processed } : { source: streams.processed, sink: streams.aggregates };
}

/** The Iceberg table each job appends to: the processed events, the windows. */
export function jobLakeTable(job: FlinkJobName): IcebergTableDefinition {
  return job === 'dedup-filter' ? LAKE_EVENTS : LAKE_AGGREGATES;
}

export interface FlinkRolePolicyArgs {
  source: string;
  sink: string;
  keyArn: string;
  codeObjectArn: string;
  logGroupArn: string;
  /** The job's Iceberg table in the lake. */
  lake: IcebergWriterScope;
  /** Statements for a source beside the streams (an MSK topic and its network). */
  extraStatements?: readonly Statement[];
}

/**
 * What one application may do: read its source stream, write its sink stream, use the stack key
 * for both and for the lake (Kinesis server-side encryption, S3 SSE-KMS), read its own code object,
 * write its own logs, and append to its own Iceberg table.
 */
export function flinkRolePolicy(a: FlinkRolePolicyArgs): PolicyDocument {
  return policyDocument([
    kinesisRead('ReadSourceStream', [a.source], 'flink'),
    kinesisWrite('WriteSinkStream', [a.sink]),
    keyUse('StreamEncryption', [a.keyArn]),
    { Sid: 'ReadCode', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [a.codeObjectArn] },
    // Managed Flink's documented logging permissions: find the group, then its stream, then write.
    // DescribeLogGroups takes no resource ARN, so it can only be granted on "*" (it lists names only).
    { Sid: 'FindLogGroups', Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: ['*'] },
    { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: [`${a.logGroupArn}:log-stream:*`] },
    ...icebergWriterStatements(a.lake),
    ...(a.extraStatements ?? []),
  ]);
}

/** The MSK source a job reads, if any: only dedup-filter reads one, by stack config. */
export function jobKafkaSource(job: FlinkJobName, config: Pick<SluiceConfig, 'sources'>): KafkaSourceConfig | undefined {
  return job === 'dedup-filter' ? config.sources.kafka : undefined;
}

/** Lets only Managed Flink applications of this account, named as this one, assume the role. */
export function flinkAssumeRolePolicy(config: Pick<SluiceConfig, 'account'>, applicationName: string): PolicyDocument {
  const { id, region } = config.account;
  return serviceTrust('kinesisanalytics.amazonaws.com', {
    StringEquals: { 'aws:SourceAccount': id },
    ArnEquals: { 'aws:SourceArn': `arn:aws:kinesisanalytics:${region}:${id}:application/${applicationName}` },
  });
}

export interface FlinkApplicationArgs {
  config: SluiceConfig;
  job: FlinkJobName;
  /** The bucket holding the code object. */
  codeBucketArn: pulumi.Input<string>;
  /** The code object's key (content-addressed). */
  codeKey: string;
  /** The lake bucket's name: the Iceberg warehouse is its curated/ prefix. */
  lakeBucket: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  streams: { events: pulumi.Input<string>; processed: pulumi.Input<string>; aggregates: pulumi.Input<string> };
  /** The lake bucket holding the job's Iceberg table. */
  lakeBucketArn: pulumi.Input<string>;
  /** The job's MSK source (its network), for the job that reads one. */
  kafkaSource?: KafkaSource;
}

/**
 * One Flink SQL job as a Managed Service for Apache Flink application: its own role, its own
 * KMS-encrypted log group, runtime properties from stack config, checkpoints, snapshots and
 * parallelism from config, its state (checkpoints, snapshots, running state) encrypted with the
 * stack key, started on creation and restored from its latest snapshot on update.
 */
export class FlinkApplication extends pulumi.ComponentResource {
  readonly application: aws.kinesisanalyticsv2.Application;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: FlinkApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:processing:FlinkApplication', name, {}, opts);
    const { config, job } = args;
    const child = { parent: this };
    const app = appConfig(job, config);
    const applicationName = physicalName(config, job);
    const tags = tagsFor(config, 'processing');

    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: `/aws/kinesis-analytics/${applicationName}`, retentionInDays: config.logs.retentionDays, kmsKeyId: args.keyArn, tags }, child);
    const logStream = new aws.cloudwatch.LogStream(`${name}-log-stream`, { name: 'application', logGroupName: this.logGroup.name }, child);

    this.role = new aws.iam.Role(`${name}-role`, { name: physicalName(config, job, 'flink'), assumeRolePolicy: JSON.stringify(flinkAssumeRolePolicy(config, applicationName)), tags }, child);
    const streams = pulumi.output(args.streams);
    const kafka = jobKafkaSource(job, config);
    if (kafka !== undefined && args.kafkaSource === undefined) {
      throw new Error(`FlinkApplication ${name}: job ${job} reads the MSK source of sluice:sources.kafka and needs its KafkaSource (kafkaSource)`);
    }
    // Without an MSK source the application has no network of its own.
    const network: pulumi.Output<KafkaSourceNetwork> = args.kafkaSource?.network ?? pulumi.output({ subnetIds: [], securityGroupIds: [] });
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi.all([streams, args.keyArn, args.codeBucketArn, this.logGroup.arn, args.lakeBucketArn, network]).apply(([s, keyArn, bucketArn, logGroupArn, lakeBucketArn, net]) =>
          JSON.stringify(
            flinkRolePolicy({
              ...jobStreamArns(job, s),
              keyArn,
              codeObjectArn: `${bucketArn}/${args.codeKey}`,
              logGroupArn,
              lake: { account: config.account.id, region: config.account.region, databaseName: glueDatabaseName(config), bucketArn: lakeBucketArn, table: jobLakeTable(job) },
              extraStatements: kafka ? [...mskReadStatements(kafka), ...vpcAccessStatements(config, net)] : [],
            }),
          ),
        ),
      },
      child,
    );

    this.application = new aws.kinesisanalyticsv2.Application(
      `${name}-app`,
      {
        name: applicationName,
        description: `Sluice ${config.stack}: Flink SQL job ${job}`,
        runtimeEnvironment: FLINK_RUNTIME,
        serviceExecutionRole: this.role.arn,
        startApplication: true,
        applicationConfiguration: {
          applicationCodeConfiguration: {
            codeContentType: 'ZIPFILE',
            codeContent: { s3ContentLocation: { bucketArn: args.codeBucketArn, fileKey: args.codeKey } },
          },
          environmentProperties: {
            propertyGroups: [
              {
                propertyGroupId: PROPERTY_GROUP,
                propertyMap: pulumi.all([streams, args.lakeBucket, args.keyArn]).apply(([s, bucket, keyArn]) => runtimeProperties(job, config, s, { bucket, keyArn })),
              },
            ],
          },
          applicationSnapshotConfiguration: { snapshotsEnabled: config.processing.snapshots },
          // The key policy lets Managed Flink use the key for these applications only (infra/kms.ts).
          applicationEncryptionConfiguration: { keyType: 'CUSTOMER_MANAGED_KEY', keyId: args.keyArn },
          // In the subnets that reach the MSK cluster; without a Kafka source the application stays outside any VPC.
          vpcConfiguration: kafka ? network.apply((n) => ({ subnetIds: [...n.subnetIds], securityGroupIds: [...n.securityGroupIds] })) : undefined,
          runConfiguration: {
            applicationRestoreConfiguration: {
              applicationRestoreType: config.processing.snapshots && app.restoreFromSnapshot ? 'RESTORE_FROM_LATEST_SNAPSHOT' : 'SKIP_RESTORE_FROM_SNAPSHOT',
            },
            flinkRunConfiguration: { allowNonRestoredState: app.allowNonRestoredState },
          },
          flinkApplicationConfiguration: {
            checkpointConfiguration: {
              configurationType: 'CUSTOM',
              checkpointingEnabled: true,
              checkpointInterval: config.processing.checkpointIntervalSeconds * 1000,
              minPauseBetweenCheckpoints: Math.min(5000, config.processing.checkpointIntervalSeconds * 500),
            },
            monitoringConfiguration: { configurationType: 'CUSTOM', logLevel: 'INFO', metricsLevel: 'OPERATOR' },
            parallelismConfiguration: {
              configurationType: 'CUSTOM',
              parallelism: app.parallelism,
              parallelismPerKpu: app.parallelismPerKpu,
              autoScalingEnabled: app.autoScaling,
            },
          },
        },
        cloudwatchLoggingOptions: { logStreamArn: pulumi.interpolate`${this.logGroup.arn}:log-stream:${logStream.name}` },
        tags,
      },
      // Started on creation: a new VPC (subnets, routes, NAT gateways) is complete first.
      { parent: this, dependsOn: args.kafkaSource ? [policy, args.kafkaSource] : [policy] },
    );
    this.registerOutputs({ applicationArn: this.application.arn, roleArn: this.role.arn, logGroupName: this.logGroup.name });
  }
}

export interface ProcessingArgs {
  config: SluiceConfig;
  /** The deployable runner jar (the Kinesis connector and the MSK source's Kafka connector and IAM auth in it: make flink-jar-cloud). */
  runnerJarPath: string;
  /** The job SQL folder, hashed into the code key. */
  sqlDir: string;
  /** The lake bucket: holds the code object (under artifacts/flink/) and the Iceberg warehouse (curated/). */
  codeBucket: aws.s3.Bucket;
  keyArn: pulumi.Input<string>;
  streams: { events: pulumi.Input<string>; processed: pulumi.Input<string>; aggregates: pulumi.Input<string> };
  /** The lake bucket holding the Iceberg tables the jobs write. */
  lakeBucketArn: pulumi.Input<string>;
}

/** What the stack output `kafkaSource` says of the MSK source: the lag alarms' dimensions and the application's network. */
export interface KafkaSourceOutput extends KafkaSourceMonitoring {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** The VPC created for the application (`network.newVpc`), or null when the network was given. */
  readonly vpcId: string | null;
}

/**
 * The runner jar as a content-addressed S3 object, one Flink application per job, and the MSK
 * source's network (KafkaSource) when the stack has one.
 */
export class Processing extends pulumi.ComponentResource {
  readonly code: aws.s3.BucketObjectv2;
  readonly applications: Record<FlinkJobName, FlinkApplication>;
  readonly kafka: KafkaSource | undefined;
  readonly kafkaSource: pulumi.Output<KafkaSourceOutput> | undefined;

  constructor(name: string, args: ProcessingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:processing:Processing', name, {}, opts);
    const artifact = flinkCodeArtifact(args.runnerJarPath, args.sqlDir);
    this.code = new aws.s3.BucketObjectv2(
      `${name}-code`,
      {
        bucket: args.codeBucket.id,
        key: artifact.key,
        source: new pulumi.asset.FileAsset(artifact.jarPath),
        contentType: 'application/java-archive',
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.keyArn,
        tags: { ...tagsFor(args.config, 'processing'), sha256: artifact.sha256 },
      },
      { parent: this },
    );
    const kafka = args.config.sources.kafka;
    this.kafka = kafka ? new KafkaSource(`${name}-kafka`, { config: args.config, source: kafka }, { parent: this }) : undefined;
    const appArgs = {
      config: args.config,
      codeBucketArn: args.codeBucket.arn,
      codeKey: artifact.key,
      lakeBucket: args.codeBucket.bucket,
      keyArn: args.keyArn,
      streams: args.streams,
      lakeBucketArn: args.lakeBucketArn,
    };
    this.applications = Object.fromEntries(
      FLINK_JOBS.map((job) => [
        job,
        new FlinkApplication(`${name}-${job}`, { ...appArgs, job, kafkaSource: jobKafkaSource(job, args.config) ? this.kafka : undefined }, { parent: this, dependsOn: [this.code] }),
      ]),
    ) as Record<FlinkJobName, FlinkApplication>;
    const source = this.kafka;
    this.kafkaSource = source
      ? pulumi.all([source.network, source.vpc?.vpcId ?? null]).apply(([net, vpcId]) => ({ ...source.monitoring, subnetIds: net.subnetIds, securityGroupIds: net.securityGroupIds, vpcId }))
      : undefined;
    this.registerOutputs({
      kafkaSource: this.kafkaSource,
      codeKey: artifact.key,
      dedupFilterApplicationArn: this.applications['dedup-filter'].application.arn,
      aggregateApplicationArn: this.applications.aggregate.application.arn,
    });
  }
}
