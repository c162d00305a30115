import { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { expect } from 'chai';
import { KinesisPublisher } from '../../functions/ingest/publisher';

const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ data: `{"i":${i}}`, partitionKey: `k${i}` }));

/** A Kinesis that misbehaves on the calls `faults` names, and stores what it accepts. */
function faultyKinesis(faults: Array<'refused' | 'hangup' | 'short' | 'empty' | 'hang' | undefined>) {
  const stored: string[] = [];
  let call = 0;
  return {
    stored,
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const fault = faults[call++];
      const records = command.input.Records ?? [];
      if (fault === 'refused') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED', name: 'Error' });
      if (fault === 'hangup') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (fault === 'hang') return new Promise<never>(() => undefined);
      const answered = fault === 'short' ? records.slice(0, Math.floor(records.length / 2)) : fault === 'empty' ? [] : records;
      for (const r of answered) stored.push(Buffer.from(r.Data!).toString('utf8'));
      return { FailedRecordCount: 0, Records: fault === 'empty' ? undefined : answered.map((_, i) => ({ SequenceNumber: String(i), ShardId: 's' })), $metadata: {} };
    },
  };
}

describe('publisher under faults', () => {
  for (const faults of [['refused', 'hangup'], ['short', 'short'], ['empty'], ['hang', 'refused', 'short']] as const) {
    it(`loses nothing when calls fail with ${faults.join(', ')}`, async () => {
      const kinesis = faultyKinesis([...faults]);
      const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 'events' }, sleep: async () => undefined, callTimeoutMs: 50 });
      for (const e of entries(500)) await publisher.add(e);
      await publisher.flush();
      expect(new Set(kinesis.stored)).to.deep.equal(new Set(entries(500).map((e) => e.data)));
      expect(publisher.stats.published).to.equal(500);
      expect(publisher.stats.failed).to.equal(0);
    });
  }

  it('gives entries up only after every attempt, and says why', async () => {
    const kinesis = faultyKinesis(Array(3).fill('refused'));
    const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 'events' }, sleep: async () => undefined, maxAttempts: 3 });
    for (const e of entries(10)) await publisher.add(e);
    let error: Error | undefined;
    await publisher.flush().catch((err: Error) => (error = err));
    expect(publisher.stats).to.include({ calls: 3, failed: 10, published: 0 });
    expect(error?.message).to.match(/gave up after 3 attempts, last error Error: connect ECONNREFUSED/);
  });
});
