import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';

export interface StreamRecord {
  data: string;
  partitionKey: string;
  sequenceNumber: string;
  shardId: string;
  arrival: Date;
}

/** Creates a stream on the emulator and waits until it is ACTIVE; resolves with its ARN. */
export async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return d.StreamDescriptionSummary.StreamARN!;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every record on the stream, all shards, oldest first per shard. */
export async function readStream(kinesis: KinesisClient, arn: string): Promise<StreamRecord[]> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamARN: arn }))).Shards ?? [];
  const out: StreamRecord[] = [];
  for (const shard of shards) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamARN: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, StreamARN: arn }));
      for (const r of page.Records ?? []) {
        out.push({ data: Buffer.from(r.Data!).toString('utf8'), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, shardId: shard.ShardId!, arrival: r.ApproximateArrivalTimestamp! });
      }
      if (!page.Records?.length || !page.NextShardIterator) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
