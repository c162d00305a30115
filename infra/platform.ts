import * as pulumi from '@pulumi/pulumi';
import { STREAM_NAMES, SluiceConfig, StreamName } from '../stacks/types';
import { PlatformKey } from './kms';
import { FlinkJobName, Processing } from './processing';
import { Storage } from './storage';
import { Streams } from './streams';

export interface PlatformArgs {
  config: SluiceConfig;
  /** Local paths of the build outputs the platform deploys. */
  artifacts: { flinkRunnerJar: string; flinkSqlDir: string };
}

/** The whole platform of one stack; each concern is a component of its own under this one. */
export class Platform extends pulumi.ComponentResource {
  readonly keyArn: pulumi.Output<string>;
  readonly streamArns: Record<StreamName, pulumi.Output<string>>;
  readonly lakeBucket: pulumi.Output<string>;
  readonly landingBucket: pulumi.Output<string>;
  readonly resultsBucket: pulumi.Output<string>;
  readonly flinkApplicationArns: Record<FlinkJobName, pulumi.Output<string>>;

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
    this.registerOutputs({
      keyArn: this.keyArn,
      streamArns: this.streamArns,
      lakeBucket: this.lakeBucket,
      landingBucket: this.landingBucket,
      resultsBucket: this.resultsBucket,
      flinkApplicationArns: this.flinkApplicationArns,
    });
  }
}
