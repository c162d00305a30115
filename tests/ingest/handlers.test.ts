import { expect } from 'chai';
import type { KinesisStreamEvent, SNSEvent } from 'aws-lambda';
import { gzipSync } from 'node:zlib';
import { generate } from '../../local/generator';
import { SchemaRegistry } from '../../core/events/registry';
import { createdObjects, decodeS3Key } from '../../functions/ingest/notifications';
import { PublishError } from '../../functions/ingest/publisher';
import { createS3IngestHandler } from '../../functions/s3-ingest/handler';
import { createStreamValidateHandler } from '../../functions/stream-validate/handler';
import { awsFixture, FakeKinesis, FakeS3, noSleep, RecordingCounters, silentLogger } from '../support/fakes';

const registry = SchemaRegistry.fromDirectory();
const NOW = new Date('2026-11-22T04:00:00.000Z');
const LANDING = 'sluice-dev-landing';
const LAKE = 'sluice-dev-lake';
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const event = (n: number, extra: Record<string, unknown> = {}) => JSON.stringify({ event_uuid: UUID(n), event_name: 'page:viewed', created_at: 1767225600 + n, ...extra });

/** An SNS notification built from the SNS fixture, its message an S3 notification built from the S3 fixture. */
function snsS3Event(objects: Array<{ key: string; eventName?: string }>, fixture = 'powertools/s3-base.json'): SNSEvent {
  const s3 = awsFixture(fixture);
  const template = s3.Records[0];
  s3.Records = objects.map((o, i) => ({
    ...template,
    eventName: o.eventName ?? template.eventName,
    s3: { ...template.s3, bucket: { ...template.s3.bucket, name: LANDING }, object: { ...template.s3.object, key: o.key, sequencer: `0C0F6F405D6ED209E${i}` } },
  }));
  const sns = awsFixture<SNSEvent>('powertools/sns-base.json');
  sns.Records[0].Sns.Message = JSON.stringify(s3);
  return sns;
}

function s3IngestSetup(format: 'auto' | 'jsonl' | 'json-array' = 'auto') {
  const s3 = new FakeS3();
  const kinesis = new FakeKinesis();
  const counters = new RecordingCounters();
  const handler = createS3IngestHandler({
    settings: { source: 'partner-files', prefix: 'partner-files/', format, eventsStream: { name: 'sluice-dev-events' }, lakeBucket: LAKE, unknownEventNames: 'accept' },
    s3,
    kinesis,
    registry,
    logger: silentLogger(),
    counters,
    publisher: { sleep: noSleep },
    now: () => NOW,
  });
  return { s3, kinesis, counters, handler };
}

describe('S3 notifications', () => {
  it('decodes keys as S3 encodes them in notifications (+ for space)', () => {
    expect(decodeS3Key('partner-files/daily+drop+%281%29.jsonl')).to.equal('partner-files/daily drop (1).jsonl');
    expect(decodeS3Key('a%2Bb+c')).to.equal('a+b c');
    const fixture = awsFixture('powertools/s3-decoded-key.json');
    expect(decodeS3Key(fixture.Records[0].s3.object.key)).to.equal(fixture.Records[0].s3.object.urlDecodedKey);
  });

  it('reads several records from one SNS-wrapped message', () => {
    const contents = createdObjects(snsS3Event([{ key: 'partner-files/a.jsonl' }, { key: 'partner-files/b+c.json' }]));
    expect(contents.objects.map((o) => o.key)).to.deep.equal(['partner-files/a.jsonl', 'partner-files/b c.json']);
    expect(contents.objects[0]).to.include({ bucket: LANDING, size: 1305107, eTag: 'b21b84d653bb07b05b1e6b33684dc11b', eventTime: '2019-09-03T19:37:27.192Z' });
  });

  it('recognises the s3:TestEvent message and skips deletions and non-S3 messages', () => {
    const sns = awsFixture<SNSEvent>('powertools/sns-base.json');
    const test = JSON.parse(JSON.stringify(sns.Records[0]));
    test.Sns.Message = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-22T04:00:00.000Z', Bucket: LANDING, RequestId: 'R', HostId: 'H' });
    const deletion = snsS3Event([{ key: 'partner-files/a.jsonl' }], 'powertools/s3-delete-object.json').Records[0];
    const contents = createdObjects({ Records: [test, deletion, sns.Records[0]] });
    expect(contents.objects).to.deep.equal([]);
    expect(contents.testEvents).to.equal(1);
    expect(contents.skipped).to.deep.equal([
      'ObjectRemoved:Delete on s3://sluice-dev-landing/partner-files/a.jsonl is not an object creation',
      'SNS message "Hello from SNS!" is not an S3 notification (not JSON)',
    ]);
  });

  it('accepts an S3 event delivered directly (aws-lambda-go fixture)', () => {
    const contents = createdObjects(awsFixture('aws-lambda-go/s3-event.json'));
    expect(contents.objects).to.deep.equal([
      {
        bucket: 'sourcebucket',
        key: 'Happy Face.jpg',
        size: 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: 'version',
        sequencer: 'Happy Sequencer',
        eventTime: '1970-01-01T00:00:00.123Z',
      },
    ]);
  });
});

describe('s3-ingest handler', () => {
  it('publishes the valid events of every object in the message and writes the invalid lines to the error zone with their line numbers', async () => {
    const { s3, kinesis, counters, handler } = s3IngestSetup();
    s3.objects.set(`${LANDING}/partner-files/2026/daily drop (1).jsonl`, Buffer.from([event(1), 'not json', '', event(2, { source: 'other' }), event(3)].join('\n')));
    s3.objects.set(`${LANDING}/partner-files/2026/array.json.gz`, gzipSync(`[\n${event(4)},\n${event(5)}\n]`));
    const result = await handler(snsS3Event([{ key: 'partner-files/2026/daily+drop+%281%29.jsonl' }, { key: 'partner-files/2026/array.json.gz' }]));

    expect(result.objects.map((o) => [o.key, o.counts.valid, o.counts.invalid, o.published])).to.deep.equal([
      ['partner-files/2026/daily drop (1).jsonl', 2, 2, 2],
      ['partner-files/2026/array.json.gz', 2, 0, 2],
    ]);
    expect(kinesis.accepted.map((r) => r.partitionKey)).to.deep.equal([UUID(1), UUID(3), UUID(4), UUID(5)]);
    expect(JSON.parse(kinesis.accepted[0].data)).to.deep.include({ event_uuid: UUID(1), source: 'partner-files', ingested_at: '2026-11-22T04:00:00.000Z', event_type: 'page' });

    const errorKeys = s3.keys(`${LAKE}/errors/`);
    expect(errorKeys).to.have.length(1);
    expect(errorKeys[0]).to.match(/^sluice-dev-lake\/errors\/source=partner-files\/dt=2019-09-03\/[0-9a-f]{32}\.jsonl$/);
    const lines = s3.lines(errorKeys[0]);
    expect(lines.map((l) => [l.error.line, l.error.object_key, l.error.source, l.raw])).to.deep.equal([
      [2, 'partner-files/2026/daily drop (1).jsonl', 'partner-files', 'not json'],
      [4, 'partner-files/2026/daily drop (1).jsonl', 'partner-files', event(2, { source: 'other' })],
    ]);
    expect(lines[1].error.reasons).to.deep.equal(['source is set by the platform and the input\'s value "other" differs from "partner-files"; remove source from the event']);
    expect(counters.totals).to.deep.include({ EventsValid: 4, EventsInvalid: 2, EventsPublished: 4, ObjectsIngested: 2, RecordsRetried: 0 });
    expect(counters.byReason).to.deep.equal({ not_json: 1, reserved_field_conflict: 1 });
  });

  it('is idempotent: the same notification twice publishes the same records and rewrites the same error objects', async () => {
    const { s3, kinesis, handler } = s3IngestSetup();
    const lines = [...generate({ events: 300, seed: 4, invalid: 0.1, duplicates: 0.05 }).lines];
    s3.objects.set(`${LANDING}/partner-files/gen.jsonl`, Buffer.from(lines.join('\n')));
    const notification = snsS3Event([{ key: 'partner-files/gen.jsonl' }]);
    await handler(notification);
    const first = kinesis.accepted.map((r) => JSON.stringify(r));
    const errorObjects = s3.keys(`${LAKE}/errors/`);
    const errorBody = s3.objects.get(errorObjects[0])!.toString();
    await handler(notification);
    expect(kinesis.accepted.slice(first.length).map((r) => JSON.stringify(r))).to.deep.equal(first);
    expect(s3.keys(`${LAKE}/errors/`)).to.deep.equal(errorObjects);
    expect(s3.objects.get(errorObjects[0])!.toString()).to.equal(errorBody);
  });

  it('handles the s3:TestEvent without reading anything', async () => {
    const { s3, counters, handler } = s3IngestSetup();
    const sns = awsFixture<SNSEvent>('powertools/sns-base.json');
    sns.Records[0].Sns.Message = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-22T04:00:00.000Z', Bucket: LANDING });
    expect(await handler(sns)).to.deep.equal({ objects: [], testEvents: 1, skipped: [] });
    expect(counters.totals.TestEvents).to.equal(1);
    expect(s3.puts).to.equal(0);
  });

  it('skips objects outside its prefix and objects deleted before they were read', async () => {
    const { counters, handler } = s3IngestSetup();
    const result = await handler(snsS3Event([{ key: 'backfill/x.jsonl' }, { key: 'partner-files/gone.jsonl' }]));
    expect(result.objects).to.deep.equal([]);
    expect(counters.totals.ObjectsSkipped).to.equal(2);
  });

  it('retries only the records Kinesis refused, then publishes each exactly once', async () => {
    const { s3, kinesis, counters, handler } = s3IngestSetup();
    s3.objects.set(`${LANDING}/partner-files/x.jsonl`, Buffer.from([1, 2, 3, 4, 5].map((n) => event(n)).join('\n')));
    kinesis.failure = (r, call) => (call === 1 && (r.partitionKey === UUID(2) || r.partitionKey === UUID(4)) ? 'ProvisionedThroughputExceededException' : undefined);
    const result = await handler(snsS3Event([{ key: 'partner-files/x.jsonl' }]));
    expect(kinesis.calls.map((c) => c.map((r) => r.partitionKey))).to.deep.equal([[1, 2, 3, 4, 5].map(UUID), [UUID(2), UUID(4)]]);
    expect(kinesis.accepted.map((r) => r.partitionKey).sort()).to.deep.equal([1, 2, 3, 4, 5].map(UUID));
    expect(result.objects[0]).to.include({ published: 5, retried: 2 });
    expect(counters.totals.RecordsRetried).to.equal(2);
  });

  it('fails the invocation when Kinesis keeps refusing, so the notification is retried', async () => {
    const { s3, kinesis, handler } = s3IngestSetup();
    s3.objects.set(`${LANDING}/partner-files/x.jsonl`, Buffer.from(event(1)));
    kinesis.failure = () => 'ProvisionedThroughputExceededException';
    let error: unknown;
    try {
      await handler(snsS3Event([{ key: 'partner-files/x.jsonl' }]));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(PublishError);
    expect((error as Error).message).to.equal(
      '1 record(s) could not be published to Kinesis: gave up after 8 attempts, last error ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000',
    );
    expect(kinesis.calls).to.have.length(8);
  });

  it('writes one error naming the object when it cannot be read at all', async () => {
    const { s3, handler } = s3IngestSetup('json-array');
    s3.objects.set(`${LANDING}/partner-files/x.jsonl`, Buffer.from(event(1)));
    const result = await handler(snsS3Event([{ key: 'partner-files/x.jsonl' }]));
    expect(result.objects[0].counts).to.deep.equal({ records: 0, valid: 0, invalid: 1, invalidByReason: { unreadable_object: 1 } });
    const [line] = s3.lines(s3.keys(`${LAKE}/errors/`)[0]);
    expect(line).to.deep.equal({
      error: {
        reasons: [
          `the file cannot be read as events: expected a JSON array (format json-array) but the content starts with ${JSON.stringify(event(1).slice(0, 20))}; use format jsonl or auto for JSON lines`,
        ],
        source: 'partner-files',
        object_key: 'partner-files/x.jsonl',
        line: 1,
      },
      raw: '',
    });
  });
});

describe('stream-validate handler', () => {
  /** The Kinesis fixture, its records' data replaced by the given texts (the fixture's own data kept for the first). */
  function kinesisEvent(datas: Array<string | Buffer | undefined>): KinesisStreamEvent {
    const fixture = awsFixture<KinesisStreamEvent>('powertools/kinesis-stream.json');
    const template = fixture.Records[0];
    fixture.Records = datas.map((d, i) => ({
      ...template,
      eventID: `shardId-000000000006:4959033827149025660855969253836157109592157598913658889${i}`,
      kinesis: {
        ...template.kinesis,
        sequenceNumber: `4959033827149025660855969253836157109592157598913658889${i}`,
        data: d === undefined ? template.kinesis.data : Buffer.from(d).toString('base64'),
      },
    }));
    return fixture;
  }

  function setup() {
    const s3 = new FakeS3();
    const kinesis = new FakeKinesis();
    const counters = new RecordingCounters();
    const handler = createStreamValidateHandler({
      settings: { eventsStream: { arn: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-events' }, lakeBucket: LAKE, unknownEventNames: 'accept' },
      s3,
      kinesis,
      registry,
      logger: silentLogger(),
      counters,
      publisher: { sleep: noSleep, maxAttempts: 3 },
      now: () => NOW,
    });
    return { s3, kinesis, counters, handler };
  }

  it('publishes valid records in one PutRecords call and keeps each invalid one in an error object named from it, failing none', async () => {
    const { s3, kinesis, counters, handler } = setup();
    const response = await handler(kinesisEvent([undefined, event(1), event(2), '{"event_uuid":"x"}', Buffer.from([0xff, 0xfe, 0x00])]));
    expect(response).to.deep.equal({ batchItemFailures: [] });
    expect(kinesis.calls).to.have.length(1);
    expect(kinesis.accepted.map((r) => JSON.parse(r.data).source)).to.deep.equal(['stream', 'stream']);
    const keys = s3.keys(`${LAKE}/errors/source=stream/dt=2018-12-17/`);
    expect(keys).to.have.length(3);
    const lines = keys.flatMap((key) => s3.lines(key)).sort((a, b) => a.error.sequence_number.localeCompare(b.error.sequence_number));
    expect(lines.map((l) => [l.error.sequence_number, l.raw, l.raw_base64])).to.deep.equal([
      ['49590338271490256608559692538361571095921575989136588890', 'Hello, this is a test.', undefined],
      ['49590338271490256608559692538361571095921575989136588893', '{"event_uuid":"x"}', undefined],
      ['49590338271490256608559692538361571095921575989136588894', undefined, '//4A'],
    ]);
    expect(lines[2].error.reasons).to.deep.equal(['the record data is not valid UTF-8 text; "raw_base64" keeps its exact bytes; send UTF-8']);
    expect(lines[1].error.reasons).to.have.length(3);
    expect(counters.totals).to.deep.include({ EventsValid: 2, EventsInvalid: 3, EventsPublished: 2 });
  });

  it('reports only the records that could not be published as batch item failures', async () => {
    const { kinesis, handler } = setup();
    kinesis.failure = (r) => (r.partitionKey === UUID(2) ? 'ProvisionedThroughputExceededException' : undefined);
    const response = await handler(kinesisEvent([event(1), event(2), event(3)]));
    expect(response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: '49590338271490256608559692538361571095921575989136588891' }] });
    expect(kinesis.calls.map((c) => c.length)).to.deep.equal([3, 1, 1]);
    expect(kinesis.accepted.map((r) => r.partitionKey)).to.deep.equal([UUID(1), UUID(3)]);
  });

  it('retries a throttled call as a whole and succeeds', async () => {
    const { kinesis, handler } = setup();
    kinesis.throwOnCall = (call) => (call === 1 ? Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }) : undefined);
    expect(await handler(kinesisEvent([event(1), event(2)]))).to.deep.equal({ batchItemFailures: [] });
    expect(kinesis.calls.map((c) => c.length)).to.deep.equal([2, 2]);
  });

  it('reports the invalid records as failures when the error zone cannot be written', async () => {
    const { s3, handler } = setup();
    s3.failPuts = true;
    const response = await handler(kinesisEvent([event(1), 'bad']));
    expect(response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: '49590338271490256608559692538361571095921575989136588891' }] });
  });

  it('retried from the middle of a batch, rewrites the same error objects and keeps the undelivered record', async () => {
    const { s3, kinesis, handler } = setup();
    kinesis.failure = (r, call) => (r.partitionKey === UUID(2) && call <= 3 ? 'ProvisionedThroughputExceededException' : undefined);
    const batch = kinesisEvent([event(1), 'bad one', event(2), 'bad two']);
    const first = await handler(batch);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).to.deep.equal([batch.Records[2].kinesis.sequenceNumber]);
    const afterFirst = s3.keys(`${LAKE}/errors/`);
    // Lambda retries from the failed record: the records before it are done.
    const retry = { Records: batch.Records.slice(2) };
    expect(await handler(retry)).to.deep.equal({ batchItemFailures: [] });
    expect(s3.keys(`${LAKE}/errors/`)).to.deep.equal(afterFirst);
    const lines = afterFirst.flatMap((key) => s3.lines(key));
    expect(lines.map((l) => [l.error.sequence_number, l.raw]).sort()).to.deep.equal(
      [
        [batch.Records[1].kinesis.sequenceNumber, 'bad one'],
        [batch.Records[2].kinesis.sequenceNumber, event(2)],
        [batch.Records[3].kinesis.sequenceNumber, 'bad two'],
      ].sort(),
    );
    expect(kinesis.accepted.map((r) => r.partitionKey)).to.deep.equal([UUID(1), UUID(2)]);
  });

  it('answers an empty batch with no failures', async () => {
    expect(await setup().handler({ Records: [] })).to.deep.equal({ batchItemFailures: [] });
  });

  it('handles the aws-lambda-go Kinesis payload (non-JSON data to the error zone)', async () => {
    const { s3, handler } = setup();
    expect(await handler(awsFixture('aws-lambda-go/kinesis-event.json'))).to.deep.equal({ batchItemFailures: [] });
    const keys = s3.keys(`${LAKE}/errors/source=stream/dt=2016-12-02/`);
    expect(keys.flatMap((key) => s3.lines(key)).map((l) => l.raw)).to.deep.equal(['Hello World', 'Hello World']);
  });
});
