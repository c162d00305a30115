import { expect } from 'chai';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent, KinesisStreamRecord, SNSEvent } from 'aws-lambda';
import { gzipSync } from 'node:zlib';
import { generate } from '../../local/generator';
import { SchemaRegistry } from '../../core/events/registry';
import { validateLine, createContext } from '../../core/events/validate';
import { createS3IngestHandler } from '../../functions/s3-ingest/handler';
import { createStreamValidateHandler } from '../../functions/stream-validate/handler';
import { awsFixture, noSleep, RecordingCounters, silentLogger } from '../support/fakes';
import { motoClientConfig, useMoto } from '../support/moto';

const LANDING = 'sluice-test-landing';
const LAKE = 'sluice-test-lake';
const registry = SchemaRegistry.fromDirectory();
// One PutRecords call at a time: moto's threaded server numbers a shard's records without a lock,
// so concurrent calls can get the same sequence number and one record overwrites the other.
// Real Kinesis has no such limit; the concurrency itself is covered by the unit tests.
const MOTO_PUBLISHER = { sleep: noSleep, concurrency: 1 };

/**
 * Makes the given PutRecords call report some entries as failed the way Kinesis does under load
 * (ErrorCode ProvisionedThroughputExceededException), by removing them from the request before it
 * is sent and putting failure entries back in their places in the response. moto cannot throttle
 * on its own; everything else (the accepted records, the retries) goes to the real moto stream.
 */
function failEntriesOnCall(client: KinesisClient, call: number, fail: (index: number) => boolean): { calls: number } {
  const seen = { calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      seen.calls++;
      if (seen.calls !== call) return next(args);
      const input = args.input as { Records: unknown[] };
      const keep = input.Records.filter((_, i) => !fail(i));
      const result = await next({ ...args, input: { ...input, Records: keep } });
      const real = (result.output as { Records: PutRecordsResultEntry[] }).Records;
      let k = 0;
      const merged = input.Records.map((_, i) =>
        fail(i) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream sluice-test-events' } : real[k++],
      );
      (result.output as { Records: PutRecordsResultEntry[]; FailedRecordCount: number }).Records = merged;
      (result.output as { FailedRecordCount: number }).FailedRecordCount = merged.filter((m) => m.ErrorCode).length;
      return result;
    },
    { step: 'initialize', name: 'injectPartialFailure' },
  );
  return seen;
}

/**
 * Makes the first `times` PutRecords calls fail as a whole with ProvisionedThroughputExceededException,
 * as a throttled stream answers, before they reach moto (which cannot throttle).
 */
function throttleFirstCalls(client: KinesisClient, times: number): { throttled: number } {
  const state = { throttled: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutRecordsCommand' && state.throttled < times) {
        state.throttled++;
        throw Object.assign(new Error('Rate exceeded for stream sluice-test-events under account 123456789012.'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectThrottling' },
  );
  return state;
}

describe('ingestion against a moto server (S3 + Kinesis)', function () {
  this.timeout(120000);
  const moto = useMoto();
  let s3: S3Client;
  let kinesis: KinesisClient;
  let eventsArn: string;
  let ingestArn: string;

  async function createStream(name: string, shards: number): Promise<string> {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    for (;;) {
      const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return d.StreamDescriptionSummary.StreamARN!;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Every record on the stream, all shards, oldest first per shard. */
  async function readStream(arn: string): Promise<Array<{ data: string; partitionKey: string; sequenceNumber: string; shardId: string; arrival: Date }>> {
    const shards = (await kinesis.send(new ListShardsCommand({ StreamARN: arn }))).Shards ?? [];
    const out = [];
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

  async function errorZone(prefix = 'errors/'): Promise<Record<string, any[]>> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LAKE, Prefix: prefix }));
    const out: Record<string, any[]> = {};
    for (const o of listed.Contents ?? []) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: LAKE, Key: o.Key! }))).Body!.transformToString();
      out[o.Key!] = body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
    }
    return out;
  }

  function notification(key: string): SNSEvent {
    const s3Event = awsFixture('powertools/s3-base.json');
    s3Event.Records[0].s3.bucket.name = LANDING;
    s3Event.Records[0].s3.object.key = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
    const sns = awsFixture<SNSEvent>('powertools/sns-base.json');
    sns.Records[0].Sns.Message = JSON.stringify(s3Event);
    return sns;
  }

  function s3Ingest(client = kinesis) {
    return createS3IngestHandler({
      settings: { source: 'partner-files', prefix: 'partner-files/', format: 'auto', eventsStream: { arn: eventsArn }, lakeBucket: LAKE, unknownEventNames: 'accept' },
      s3,
      kinesis: client,
      registry,
      logger: silentLogger(),
      counters: new RecordingCounters(),
      publisher: MOTO_PUBLISHER,
    });
  }

  beforeEach(async () => {
    await moto().reset();
    const config = motoClientConfig(moto().endpoint);
    s3 = new S3Client(config);
    // One attempt per SDK call: retries are the publisher's job, which these tests observe.
    kinesis = new KinesisClient({ ...config, maxAttempts: 1 });
    for (const bucket of [LANDING, LAKE]) await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    eventsArn = await createStream('sluice-test-events', 2);
    ingestArn = await createStream('sluice-test-ingest', 1);
  });

  it('ingests a real S3 object: valid events on the events stream, invalid lines in the error zone', async () => {
    const run = generate({ events: 1200, seed: 21, invalid: 0.05, duplicates: 0.02 });
    const lines = [...run.lines];
    const key = 'partner-files/2026/11/daily drop.jsonl.gz';
    await s3.send(new PutObjectCommand({ Bucket: LANDING, Key: key, Body: gzipSync(lines.join('\n')) }));

    const result = await s3Ingest()(notification(key));

    expect(result.objects).to.have.length(1);
    expect(result.objects[0].counts).to.include({ records: 1200, valid: run.stats.valid, invalid: run.stats.invalid });
    const records = await readStream(eventsArn);
    expect(records).to.have.length(run.stats.valid);
    const ctx = createContext({ source: 'partner-files', registry });
    const expectedKeys = lines.map((l) => validateLine(l, ctx)).flatMap((r) => (r.ok ? [r.envelope.event_uuid] : []));
    expect(records.map((r) => r.partitionKey).sort()).to.deep.equal(expectedKeys.sort());
    for (const r of records) expect(JSON.parse(r.data)).to.include({ source: 'partner-files', event_uuid: r.partitionKey });

    const errors = await errorZone('errors/source=partner-files/dt=2019-09-03/');
    const errorLines = Object.values(errors).flat();
    expect(errorLines).to.have.length(run.stats.invalid);
    for (const e of errorLines) {
      expect(e.error.object_key).to.equal(key);
      expect(e.raw).to.equal(lines[e.error.line - 1]);
      expect(e.error.reasons).to.not.be.empty;
    }
  });

  it('publishes every event of a gzip object followed by trailing bytes, and says they were ignored', async () => {
    const run = generate({ events: 20000, seed: 5 });
    const lines = [...run.lines];
    const key = 'partner-files/trailing.jsonl.gz';
    await s3.send(new PutObjectCommand({ Bucket: LANDING, Key: key, Body: Buffer.concat([gzipSync(lines.join('\n') + '\n'), Buffer.from('\0\0not a gzip member, e.g. a second upload appended')]) }));

    const result = await s3Ingest()(notification(key));

    expect(result.objects[0].counts).to.include({ records: 20000, valid: 20000 });
    expect(result.objects[0].published).to.equal(20000);
    expect(await readStream(eventsArn)).to.have.length(20000);
    const errorLines = Object.values(await errorZone('errors/source=partner-files/')).flat();
    expect(errorLines).to.have.length(1);
    expect(errorLines[0].error.object_key).to.equal(key);
    expect(errorLines[0].error.reasons[0]).to.match(/after line 20000 \(20000 records read before it\).*after the last complete gzip member is not gzip and was ignored/);
  });

  it('keeps a file drop it could not publish in the error zone, byte for byte, with the reason', async () => {
    const key = 'partner-files/undeliverable.jsonl';
    const body = [...generate({ events: 30, seed: 4 }).lines].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: LANDING, Key: key, Body: body }));
    throttleFirstCalls(kinesis, 1000);
    const handler = createS3IngestHandler({
      settings: { source: 'partner-files', prefix: 'partner-files/', format: 'auto', eventsStream: { arn: eventsArn }, lakeBucket: LAKE, unknownEventNames: 'accept' },
      s3,
      kinesis,
      registry,
      logger: silentLogger(),
      counters: new RecordingCounters(),
      publisher: { ...MOTO_PUBLISHER, maxAttempts: 2 },
    });

    let failure: Error | undefined;
    await handler(notification(key)).catch((err: Error) => (failure = err));

    expect(failure?.message).to.match(/could not be published/);
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: LAKE, Prefix: 'errors/source=partner-files/undelivered/' }))).Contents ?? [];
    expect(listed).to.have.length(1);
    const copy = await (await s3.send(new GetObjectCommand({ Bucket: LAKE, Key: listed[0].Key! }))).Body!.transformToString();
    expect(copy).to.equal(body);
    const lines = Object.values(await errorZone('errors/source=partner-files/dt=')).flat();
    expect(lines.map((l) => l.error.reasons[0])).to.have.length(1);
    expect(lines[0].error.reasons[0]).to.include(`kept at s3://${LAKE}/${listed[0].Key}`);
  });

  it('retries the entries of a PutRecords partial failure and delivers each event once', async () => {
    const key = 'partner-files/partial.jsonl';
    const lines = [...generate({ events: 40, seed: 3 }).lines];
    await s3.send(new PutObjectCommand({ Bucket: LANDING, Key: key, Body: lines.join('\n') }));
    const injected = failEntriesOnCall(kinesis, 1, (i) => i % 3 === 0);

    const result = await s3Ingest()(notification(key));

    expect(injected.calls).to.equal(2);
    expect(result.objects[0]).to.include({ published: 40, retried: 14 });
    const records = await readStream(eventsArn);
    expect(records).to.have.length(40);
    expect(new Set(records.map((r) => r.partitionKey)).size).to.equal(40);
  });

  it('backs off and retries while the stream is throttled, then delivers everything', async () => {
    const key = 'partner-files/throttled.jsonl';
    await s3.send(new PutObjectCommand({ Bucket: LANDING, Key: key, Body: [...generate({ events: 25, seed: 8 }).lines].join('\n') }));
    const throttle = throttleFirstCalls(kinesis, 3);

    const result = await s3Ingest()(notification(key));

    expect(throttle.throttled).to.equal(3);
    expect(result.objects[0]).to.include({ published: 25, retried: 75 });
    expect(await readStream(eventsArn)).to.have.length(25);
  });

  it('validates real records read from the ingest stream and answers a partial batch response', async () => {
    const lines = [...generate({ events: 60, seed: 5, invalid: 0.2 }).lines];
    await kinesis.send(new PutRecordsCommand({ StreamARN: ingestArn, Records: lines.map((l, i) => ({ Data: Buffer.from(l), PartitionKey: `p${i}` })) }));
    const records = await readStream(ingestArn);
    const event: KinesisStreamEvent = {
      Records: records.map((r): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.partitionKey,
          sequenceNumber: r.sequenceNumber,
          data: Buffer.from(r.data).toString('base64'),
          approximateArrivalTimestamp: r.arrival.getTime() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${r.shardId}:${r.sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/sluice-test-stream-validate',
        awsRegion: 'eu-west-1',
        eventSourceARN: ingestArn,
      })),
    };
    const injected = failEntriesOnCall(kinesis, 1, (i) => i === 0);
    const handler = createStreamValidateHandler({
      settings: { eventsStream: { arn: eventsArn }, lakeBucket: LAKE, unknownEventNames: 'accept' },
      s3,
      kinesis,
      registry,
      logger: silentLogger(),
      counters: new RecordingCounters(),
      publisher: MOTO_PUBLISHER,
    });

    expect(await handler(event)).to.deep.equal({ batchItemFailures: [] });

    expect(injected.calls).to.equal(2);
    const published = await readStream(eventsArn);
    expect(published).to.have.length(48);
    for (const p of published) expect(JSON.parse(p.data).source).to.equal('stream');
    const errorLines = Object.values(await errorZone('errors/source=stream/')).flat();
    expect(errorLines).to.have.length(12);
    const bySequence = new Map(records.map((r) => [r.sequenceNumber, r.data]));
    for (const e of errorLines) expect(e.raw).to.equal(bySequence.get(e.error.sequence_number));
  });
});
