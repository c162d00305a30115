import * as pulumi from '@pulumi/pulumi';
import { STREAM_NAMES, SluiceConfig, StreamName } from '../stacks/types';
import { PlatformKey } from './kms';
import { Storage } from './storage';
import { Streams } from './streams';

export interface PlatformArgs {
  config: SluiceConfig;
}

/** The whole platform of one stack; each concern is a component of its own under this one. */
export class Platform extends pulumi.ComponentResource {
  readonly keyArn: pulumi.Output<string>;
  readonly streamArns: Record<StreamName, pulumi.Output<string>>;
  readonly lakeBucket: pulumi.Output<string>;
  readonly landingBucket: pulumi.Output<string>;
  readonly resultsBucket: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:platform:Platform', name, {}, opts);
    const { config } = args;
    const child = { parent: this };
    const key = new PlatformKey(`${name}-kms`, { config }, child);
    const storage = new Storage(`${name}-storage`, { config, keyArn: key.key.arn }, child);
    const streams = new Streams(`${name}-streams`, { config, keyArn: key.key.arn }, child);

    this.keyArn = key.key.arn;
    this.streamArns = Object.fromEntries(STREAM_NAMES.map((s) => [s, streams.streams[s].arn])) as Record<StreamName, pulumi.Output<string>>;
    this.lakeBucket = storage.lake.bucket;
    this.landingBucket = storage.landing.bucket;
    this.resultsBucket = storage.results.bucket;
    this.registerOutputs({
      keyArn: this.keyArn,
      streamArns: this.streamArns,
      lakeBucket: this.lakeBucket,
      landingBucket: this.landingBucket,
      resultsBucket: this.resultsBucket,
    });
  }
}
