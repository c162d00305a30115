import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { STREAM_NAMES, SluiceConfig, StreamConfig, StreamName } from '../stacks/types';
import { statefulOptions } from './naming';
import { physicalName, tagsFor } from '../core/naming';

export interface StreamsArgs {
  config: SluiceConfig;
  keyArn: pulumi.Input<string>;
}

/** Capacity arguments of one stream: a shard count only exists in provisioned mode. */
export function capacityArgs(stream: StreamConfig): Pick<aws.kinesis.StreamArgs, 'streamModeDetails' | 'shardCount'> {
  return stream.capacityMode === 'PROVISIONED' ? { streamModeDetails: { streamMode: 'PROVISIONED' }, shardCount: stream.shardCount } : { streamModeDetails: { streamMode: 'ON_DEMAND' } };
}

/** The four Kinesis streams of the data flow: ingest (untrusted), events, processed, aggregates. */
export class Streams extends pulumi.ComponentResource {
  readonly streams: Record<StreamName, aws.kinesis.Stream>;

  constructor(name: string, args: StreamsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:streams:Streams', name, {}, opts);
    const { config, keyArn } = args;
    const streams = {} as Record<StreamName, aws.kinesis.Stream>;
    for (const stream of STREAM_NAMES) {
      const settings = config.streams[stream];
      streams[stream] = new aws.kinesis.Stream(
        `${name}-${stream}`,
        {
          name: physicalName(config, stream),
          ...capacityArgs(settings),
          retentionPeriod: settings.retentionHours,
          encryptionType: 'KMS',
          kmsKeyId: keyArn,
          tags: tagsFor(config, 'streams'),
        },
        statefulOptions(config, this),
      );
    }
    this.streams = streams;
    this.registerOutputs(Object.fromEntries(STREAM_NAMES.map((s) => [`${s}StreamArn`, streams[s].arn])));
  }
}
