import { expect } from 'chai';
import { Consumer, FetchIsolationLevels, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from '../../core/events/registry';
import { generate } from '../../local/generator';
import { produceLines } from '../../local/ingest-producer';
import { startStreamValidator, type ValidatorTotals } from '../../local/stream-validator';
import { useKafkaBroker } from '../support/kafka';

/** Every record of `topic` from the start, read_committed, until `count` are read. */
async function readTopic(bootstrap: string, topic: string, count: number): Promise<{ key: string | undefined; value: string }[]> {
  const consumer = new Consumer({
    clientId: 'test-reader',
    groupId: `test-reader-${topic}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  const seen: { key: string | undefined; value: string }[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    for await (const m of stream) {
      seen.push({ key: m.key ?? undefined, value: m.value });
      if (seen.length === count) break;
    }
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return seen;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('stream validator over Kafka', function () {
  this.timeout(120_000);
  const kafka = useKafkaBroker();
  const generation = generate({ events: 400, seed: 5, duplicates: 0.05, invalid: 0.1, late: 0.02 });
  const lines = [...generation.lines];
  const stats = generation.stats;
  let totals: ValidatorTotals;

  before(async () => {
    await produceLines({ bootstrap: kafka.broker.bootstrap, lines });
    const validator = await startStreamValidator({ bootstrap: kafka.broker.bootstrap, lakeDir: join(kafka.dir, 'lake'), registry: loadRegistry(), unknownEventNames: 'accept', batchSize: 100 });
    await until(
      () => validator.totals.records >= lines.length,
      60_000,
      () => `${lines.length} records (have ${validator.totals.records})`,
    );
    await validator.stop();
    totals = { ...validator.totals };
  });

  it('validates every ingest record once, with the counts the generator made', () => {
    expect(totals).to.include({ records: 400, valid: stats.valid, invalid: stats.invalid, published: stats.valid, batches: 4, redelivered: 0 });
  });

  it('publishes each valid event to events, enriched, keyed by its UUID, in ingest order', async () => {
    const events = await readTopic(kafka.broker.bootstrap, 'events', stats.valid);
    const uuids = events.map((e) => JSON.parse(e.value).event_uuid as string);
    expect(events.map((e) => e.key)).to.deep.equal(uuids);
    const expected = lines.flatMap((line) => {
      try {
        const event = JSON.parse(line) as { event_uuid?: unknown };
        return typeof event.event_uuid === 'string' ? [event.event_uuid.toLowerCase()] : [];
      } catch {
        return [];
      }
    });
    expect(uuids).to.have.length(stats.valid);
    expect(new Set(uuids).size).to.equal(stats.unique);
    expect(expected).to.include.members(uuids);
    const first = JSON.parse(events[0].value) as Record<string, unknown>;
    expect(first).to.include({ source: 'stream' });
    expect(first).to.have.property('ingested_at').that.is.a('string');
  });

  it('writes every invalid record to the error zone of the lake', () => {
    const files = filesUnder(join(kafka.dir, 'lake', 'errors', 'source=stream'));
    const errorLines = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
    expect(errorLines).to.have.length(stats.invalid);
    expect(JSON.parse(errorLines[0]).error).to.include({ source: 'stream' });
    expect(JSON.parse(errorLines[0]).error.sequence_number).to.match(/^0-\d+$/);
  });

  it('commits its offsets: started again, it reads nothing twice', async () => {
    const again = await startStreamValidator({ bootstrap: kafka.broker.bootstrap, lakeDir: join(kafka.dir, 'lake'), registry: loadRegistry(), unknownEventNames: 'accept' });
    await produceLines({ bootstrap: kafka.broker.bootstrap, lines: [lines[0]] });
    await until(
      () => again.totals.records >= 1,
      30_000,
      () => 'the one new record',
    );
    await new Promise((r) => setTimeout(r, 500));
    await again.stop();
    expect(again.totals).to.include({ records: 1, valid: 1 });
  });
});
