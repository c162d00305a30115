import { expect } from 'chai';
import { backoffDelay } from '../../functions/ingest/backoff';
import { ErrorZoneWriter } from '../../functions/ingest/error-zone';
import { errorKey, errorLine, errorObjectName } from '../../core/error-zone';
import { isRetryable, KinesisPublisher, PublishError } from '../../functions/ingest/publisher';
import { FakeKinesis, noSleep } from '../support/fakes';

const entry = (n: number, size = 10) => ({ data: `{"n":${n},"pad":"${'x'.repeat(Math.max(0, size - 20))}"}`, partitionKey: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });

describe('Kinesis publisher', () => {
  it('cuts batches at 500 records', async () => {
    const kinesis = new FakeKinesis();
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 's' }, sleep: noSleep });
    for (let i = 0; i < 1200; i++) await publisher.add(entry(i));
    await publisher.flush();
    expect(kinesis.calls.map((c) => c.length)).to.deep.equal([500, 500, 200]);
    expect(publisher.stats).to.deep.equal({ published: 1200, retried: 0, failed: 0, calls: 3 });
  });

  it('cuts batches before 5 MiB of data and partition keys', async () => {
    const kinesis = new FakeKinesis();
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 's' }, sleep: noSleep });
    // 700,000 bytes of data + 36 of key: 7 fit in 5 MiB (5,242,880 bytes), the 8th does not.
    for (let i = 0; i < 16; i++) await publisher.add(entry(i, 700000));
    await publisher.flush();
    expect(kinesis.calls.map((c) => c.length)).to.deep.equal([7, 7, 2]);
    for (const call of kinesis.calls) expect(call.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0)).to.be.at.most(5 * 1024 * 1024);
  });

  it('refuses a record above 1 MiB without sending it, and reports it on flush', async () => {
    const kinesis = new FakeKinesis();
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 's' }, sleep: noSleep });
    let outcome: Error | undefined;
    await publisher.add(entry(1, 1024 * 1024), (err) => (outcome = err));
    await publisher.add(entry(2));
    expect(outcome).to.be.instanceOf(PublishError);
    expect(outcome!.message).to.equal('record of 1048608 bytes is above the Kinesis limit of 1048576 bytes per record');
    let error: unknown;
    try {
      await publisher.flush();
    } catch (err) {
      error = err;
    }
    expect((error as PublishError).failed).to.equal(1);
    expect(kinesis.accepted).to.have.length(1);
  });

  it('sends only the refused entries again, waiting an exponential backoff with full jitter', async () => {
    const kinesis = new FakeKinesis();
    kinesis.failure = (r, call) => (call <= 3 && r.partitionKey.endsWith('1') ? 'ProvisionedThroughputExceededException' : undefined);
    const waits: number[] = [];
    const retries: Array<[number, string]> = [];
    const publisher = new KinesisPublisher({
      client: kinesis,
      stream: { arn: 'arn:aws:kinesis:eu-west-1:111111111111:stream/s' },
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
      baseMs: 100,
      maxMs: 300,
      onRetry: (n, why) => retries.push([n, why]),
    });
    for (let i = 0; i < 12; i++) await publisher.add(entry(i));
    await publisher.flush();
    expect(kinesis.calls.map((c) => c.map((r) => r.partitionKey.slice(-2)))).to.deep.equal([
      ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11'],
      ['01', '11'],
      ['01', '11'],
      ['01', '11'],
    ]);
    expect(waits).to.deep.equal([50, 100, 150]);
    expect(retries).to.deep.equal([
      [2, 'ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001'],
      [2, 'ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000'],
      [2, 'ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000'],
    ]);
    expect(publisher.stats).to.deep.equal({ published: 12, retried: 6, failed: 0, calls: 4 });
  });

  it('gives up at once on an error that retrying cannot fix', async () => {
    const kinesis = new FakeKinesis();
    kinesis.throwOnCall = () => Object.assign(new Error('Stream sluice-dev-events under account 111111111111 not found.'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 'sluice-dev-events' }, sleep: noSleep });
    await publisher.add(entry(1));
    let error: unknown;
    try {
      await publisher.flush();
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal(
      '1 record(s) could not be published to Kinesis: PutRecords failed: ResourceNotFoundException: Stream sluice-dev-events under account 111111111111 not found.',
    );
    expect(kinesis.calls).to.have.length(1);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const client = {
      async send(command: any) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { Records: command.input.Records.map(() => ({ SequenceNumber: '1' })), $metadata: {} };
      },
    };
    const publisher = new KinesisPublisher({ client, stream: { name: 's' }, concurrency: 2 });
    for (let i = 0; i < 5000; i++) await publisher.add(entry(i));
    await publisher.flush();
    expect(peak).to.equal(2);
    expect(publisher.stats.published).to.equal(5000);
  });

  it('delivers entries added in the same tick in one call, resolving each', async () => {
    const kinesis = new FakeKinesis();
    kinesis.failure = (r) => (r.partitionKey.endsWith('2') ? 'InternalFailure' : undefined);
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 's' }, sleep: noSleep, maxAttempts: 2 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => publisher.deliver(entry(n))));
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(kinesis.calls.map((c) => c.length)).to.deep.equal([3, 1]);
  });

  it('knows which errors are worth a retry', () => {
    expect(isRetryable({ name: 'ProvisionedThroughputExceededException' })).to.equal(true);
    expect(isRetryable({ name: 'KMSThrottlingException' })).to.equal(true);
    expect(isRetryable({ name: 'Whatever', $metadata: { httpStatusCode: 503 } })).to.equal(true);
    expect(isRetryable({ code: 'ECONNRESET' })).to.equal(true);
    expect(isRetryable({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })).to.equal(false);
    expect(isRetryable({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).to.equal(false);
  });

  it('caps the backoff and draws it uniformly below the cap', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, { baseMs: 100, maxMs: 500, random: () => 0.999 }))).to.deep.equal([99, 199, 399, 499, 499]);
    expect(backoffDelay(3, { random: () => 0 })).to.equal(0);
  });
});

describe('error zone', () => {
  it('writes the error-zone line format, with only the origin fields that apply', () => {
    expect(errorLine([{ code: 'not_json', message: 'not valid JSON: x' }], { source: 'backfill', object_key: 'backfill/a b.jsonl', line: 3 }, 'x')).to.equal(
      '{"error":{"reasons":["not valid JSON: x"],"source":"backfill","object_key":"backfill/a b.jsonl","line":3},"raw":"x"}',
    );
    expect(errorLine(['r'], { source: 'stream', sequence_number: '4959' }, '{"a":1}')).to.equal('{"error":{"reasons":["r"],"source":"stream","sequence_number":"4959"},"raw":"{\\"a\\":1}"}');
  });

  it('partitions keys by source and date, named from the input so a retry overwrites them', () => {
    const name = errorObjectName('landing', 'partner-files/a.jsonl', 'etag');
    expect(name).to.equal(errorObjectName('landing', 'partner-files/a.jsonl', 'etag'));
    expect(name).to.not.equal(errorObjectName('landing', 'partner-files/a.jsonl', 'etag2'));
    expect(errorKey('partner-files', '2026-03-17T23:59:59.999Z', name, 1)).to.equal(`errors/source=partner-files/dt=2026-03-17/${name}-00001.jsonl`);
  });

  it('cuts objects at the size limit, each named from the records it holds', async () => {
    const written: Array<[string, string]> = [];
    const writer = new ErrorZoneWriter({ source: 's', date: '2026-03-17T00:00:00Z', maxObjectChars: 25, put: async (k, b) => void written.push([k, b]) });
    const lines: Array<[string, string]> = [
      ['{"a":"0123456789"}', 'obj\n1'],
      ['{"b":"0123456789"}', 'obj\n2'],
      ['{"c":1}', 'obj\n3'],
    ];
    for (const [line, identity] of lines) await writer.add(line, identity);
    await writer.flush();
    const first = `errors/source=s/dt=2026-03-17/${errorObjectName('obj\n1', 'obj\n2')}.jsonl`;
    const second = `errors/source=s/dt=2026-03-17/${errorObjectName('obj\n3')}.jsonl`;
    expect(written).to.deep.equal([
      [first, '{"a":"0123456789"}\n{"b":"0123456789"}\n'],
      [second, '{"c":1}\n'],
    ]);
    expect(writer.count).to.equal(3);
    expect(writer.keys).to.deep.equal([first, second]);
  });
});
