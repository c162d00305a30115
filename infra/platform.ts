import * as pulumi from '@pulumi/pulumi';
import { STREAM_NAMES, SluiceConfig, StreamName } from '../stacks/types';
import { Access } from './access';
import { Analytics } from './analytics';
import { Catalog } from './catalog';
import { Delivery } from './delivery';
import { Ingestion } from './ingestion';
import { PlatformKey } from './kms';
import type { FlinkJobName } from '../core/jobs';
import { Monitoring } from './monitoring';
import { Processing } from './processing';
import { Storage } from './storage';
import { Streams } from './streams';
import type { FunctionCode, FunctionName } from './function-code';
import { loadNamedQueries } from '../core/named-queries';

/** The build outputs the platform deploys: from the working tree, or from a release (`infra/release.ts`). */
export interface DeployArtifacts {
  /** Local path of the Flink runner jar. */
  flinkRunnerJar: string;
  /** Local folder of the job SQL the jar packages (hashed into the code object's key). */
  flinkSqlDir: string;
  /** Local folder of the analysts' named queries (default `sql/athena`). */
  namedQueriesDir?: string;
  /** Built function code; each function missing is bundled from the working tree. */
  functions?: Partial<Record<FunctionName, FunctionCode>>;
}

export interface PlatformArgs {
  config: SluiceConfig;
  artifacts: DeployArtifacts;
}

/** The whole platform of one stack; each concern is a component of its own under this one. */
export class Platform extends pulumi.ComponentResource {
  readonly keyArn: pulumi.Output<string>;
  readonly streamArns: Record<StreamName, pulumi.Output<string>>;
  readonly lakeBucket: pulumi.Output<string>;
  readonly landingBucket: pulumi.Output<string>;
  readonly resultsBucket: pulumi.Output<string>;
  readonly flinkApplicationArns: Record<FlinkJobName, pulumi.Output<string>>;
  readonly glueDatabase: pulumi.Output<string>;
  readonly athenaWorkgroup: pulumi.Output<string>;
  readonly analystPolicyArn: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;
  /** The MSK source's cluster name, topic and consumer group (for its lag alarms), when the stack has one. */
  readonly kafkaSource: Processing['kafkaSource'];

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:platform:Platform', name, {}, opts);
    const { config } = args;
    const child = { parent: this };
    const key = new PlatformKey(`${name}-kms`, { config }, child);
    const storage = new Storage(`${name}-storage`, { config, keyArn: key.key.arn }, child);
    const streams = new Streams(`${name}-streams`, { config, keyArn: key.key.arn }, child);
    const processing = new Processing(
      `${name}-processing`,
      {
        config,
        runnerJarPath: args.artifacts.flinkRunnerJar,
        sqlDir: args.artifacts.flinkSqlDir,
        codeBucket: storage.lake,
        keyArn: key.key.arn,
        streams: { events: streams.streams.events.arn, processed: streams.streams.processed.arn, aggregates: streams.streams.aggregates.arn },
        lakeBucketArn: storage.lake.arn,
      },
      child,
    );
    new Ingestion(
      `${name}-ingestion`,
      {
        config,
        keyArn: key.key.arn,
        landingBucket: storage.landing,
        lakeBucket: storage.lake,
        functionCode: { 's3-ingest': args.artifacts.functions?.['s3-ingest'], 'stream-validate': args.artifacts.functions?.['stream-validate'] },
        ingestStreamArn: streams.streams.ingest.arn,
        eventsStreamArn: streams.streams.events.arn,
      },
      child,
    );
    const catalog = new Catalog(`${name}-catalog`, { config, lakeBucket: storage.lake.bucket, lakeBucketArn: storage.lake.arn, keyArn: key.key.arn }, child);
    new Access(`${name}-access`, { config, keyArn: key.key.arn, ingestStreamArn: streams.streams.ingest.arn, processedStreamArn: streams.streams.processed.arn }, child);
    new Delivery(`${name}-delivery`, { config, keyArn: key.key.arn, lakeBucketArn: storage.lake.arn, sourceStreamArns: { archive: streams.streams.events.arn } }, child);
    const analytics = new Analytics(
      `${name}-analytics`,
      {
        config,
        keyArn: key.key.arn,
        databaseName: catalog.database.name,
        lakeBucketArn: storage.lake.arn,
        resultsBucket: storage.results.bucket,
        resultsBucketArn: storage.results.arn,
        namedQueries: args.artifacts.namedQueriesDir === undefined ? undefined : loadNamedQueries(args.artifacts.namedQueriesDir),
      },
      child,
    );
    const monitoring = new Monitoring(
      `${name}-monitoring`,
      {
        config,
        keyArn: key.key.arn,
        aggregatesStreamArn: streams.streams.aggregates.arn,
        functionCode: { 'lake-freshness': args.artifacts.functions?.['lake-freshness'], 'events-by-type': args.artifacts.functions?.['events-by-type'] },
      },
      child,
    );

    this.keyArn = key.key.arn;
    this.streamArns = Object.fromEntries(STREAM_NAMES.map((s) => [s, streams.streams[s].arn])) as Record<StreamName, pulumi.Output<string>>;
    this.lakeBucket = storage.lake.bucket;
    this.landingBucket = storage.landing.bucket;
    this.resultsBucket = storage.results.bucket;
    this.flinkApplicationArns = {
      'dedup-filter': processing.applications['dedup-filter'].application.arn,
      aggregate: processing.applications.aggregate.application.arn,
    };
    this.glueDatabase = catalog.database.name;
    this.athenaWorkgroup = analytics.workgroup.name;
    this.analystPolicyArn = analytics.analystPolicy.arn;
    this.alarmTopicArn = monitoring.topic.arn;
    this.dashboardName = monitoring.dashboard.dashboardName;
    this.kafkaSource = processing.kafkaSource;
    this.registerOutputs({
      keyArn: this.keyArn,
      streamArns: this.streamArns,
      lakeBucket: this.lakeBucket,
      landingBucket: this.landingBucket,
      resultsBucket: this.resultsBucket,
      flinkApplicationArns: this.flinkApplicationArns,
      glueDatabase: this.glueDatabase,
      athenaWorkgroup: this.athenaWorkgroup,
      analystPolicyArn: this.analystPolicyArn,
      alarmTopicArn: this.alarmTopicArn,
      dashboardName: this.dashboardName,
      kafkaSource: this.kafkaSource,
    });
  }
}
