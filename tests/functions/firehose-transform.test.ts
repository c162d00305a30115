import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import { RESPONSE_LIMIT_BYTES, transformRecords } from '../../functions/firehose-transform/transform';

// Quiet, and no EMF output: the handler's logger and metrics read these when first loaded.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const { handler } = require('../../functions/firehose-transform/index') as typeof import('../../functions/firehose-transform/index');

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'aws-events');
const fixture = (path: string): FirehoseTransformationEvent => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));

const EVENT = {
  event_uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
  event_name: 'payment:order:completed',
  created_at: 1773742530.25,
  order_id: 'o-1',
  amount: { value: 12.5, currency: 'EUR' },
  created_datetime: '2026-03-17T10:15:30.250Z',
  event_type: 'payment',
  event_subtype: 'order',
  ingested_at: '2026-03-17T10:15:31.000Z',
  source: 'stream',
};

function record(recordId: string, data: string | object, encoding: 'utf8' | 'raw' = 'utf8'): FirehoseTransformationEventRecord {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return { recordId, approximateArrivalTimestamp: 1773742531000, data: encoding === 'raw' ? text : Buffer.from(text, 'utf8').toString('base64') };
}

const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

describe('firehose-transform', () => {
  it('turns an enriched event into the curated row, a newline, and its partition keys', () => {
    const { response, ok } = transformRecords([record('r1', EVENT)]);
    expect(ok).to.equal(1);
    const [entry] = response.records;
    expect(entry.recordId).to.equal('r1');
    expect(entry.result).to.equal('Ok');
    expect(entry.metadata).to.deep.equal({ partitionKeys: { event_type: 'payment', created_date: '2026-03-17' } });
    const text = decode(entry.data);
    expect(text.endsWith('}\n')).to.equal(true);
    expect(JSON.parse(text)).to.deep.equal({
      event_uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
      event_name: 'payment:order:completed',
      event_subtype: 'order',
      created_at: 1773742530.25,
      created_datetime: Date.UTC(2026, 2, 17, 10, 15, 30, 250),
      ingested_at: Date.UTC(2026, 2, 17, 10, 15, 31),
      source: 'stream',
      payload: '{"order_id":"o-1","amount":{"value":12.5,"currency":"EUR"}}',
    });
  });

  it('partitions by the UTC date of created_at, not of ingestion', () => {
    const lateNight = { ...EVENT, created_at: 1773791999, created_datetime: '2026-03-17T23:59:59.000Z', ingested_at: '2026-03-18T00:00:02.000Z' };
    const [entry] = transformRecords([record('r1', lateNight)]).response.records;
    expect(entry.metadata?.partitionKeys).to.deep.equal({ event_type: 'payment', created_date: '2026-03-17' });
  });

  it('keeps a null event_subtype as null', () => {
    const e = { ...EVENT, event_name: 'payment', event_subtype: null };
    const row = JSON.parse(decode(transformRecords([record('r1', e)]).response.records[0].data));
    expect(row.event_subtype).to.equal(null);
  });

  it('drops whitespace-only records and says so in the outcome', () => {
    const outcome = transformRecords([record('blank', ' \n\t'), record('empty', '')]);
    expect(outcome.response.records).to.deep.equal([
      { recordId: 'blank', result: 'Dropped', data: '' },
      { recordId: 'empty', result: 'Dropped', data: '' },
    ]);
    expect(outcome.dropped).to.equal(2);
    expect(outcome.failures).to.deep.equal([]);
  });

  it('fails records that are not base64, not UTF-8, not JSON or not enriched events', () => {
    const outcome = transformRecords([
      record('b64', 'not base64!', 'raw'),
      record('utf8', Buffer.from([0xc3, 0x28]).toString('base64'), 'raw'),
      record('json', '{"event_uuid": '),
      record('array', [EVENT]),
      record('envelope', { ...EVENT, created_at: '1773742530' }),
      record('type', { ...EVENT, event_type: 'Pay/ment' }),
    ]);
    expect(outcome.response.records.map((r) => [r.recordId, r.result, r.data])).to.deep.equal([
      ['b64', 'ProcessingFailed', ''],
      ['utf8', 'ProcessingFailed', ''],
      ['json', 'ProcessingFailed', ''],
      ['array', 'ProcessingFailed', ''],
      ['envelope', 'ProcessingFailed', ''],
      ['type', 'ProcessingFailed', ''],
    ]);
    expect(outcome.failures.map((f) => [f.recordId, f.kind])).to.deep.equal([
      ['b64', 'unreadable'],
      ['utf8', 'unreadable'],
      ['json', 'unreadable'],
      ['array', 'not-an-event'],
      ['envelope', 'not-an-event'],
      ['type', 'not-an-event'],
    ]);
    expect(outcome.failures[4].reason).to.equal('not an enriched event: created_at must be a number of Unix seconds, got "1773742530"');
    expect(outcome.failures[5].reason).to.equal('not an enriched event: event_type "Pay/ment" must match [a-z0-9_]+');
  });

  it('answers every record in order, whatever its result', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const outcome = transformRecords([record('a', EVENT), record('b', 'nope'), record('c', ' '), record('d', EVENT)]);
    expect(outcome.response.records.map((r) => r.recordId)).to.deep.equal(ids);
    expect(outcome.response.records.map((r) => r.result)).to.deep.equal(['Ok', 'ProcessingFailed', 'Dropped', 'Ok']);
  });

  describe('response size limit', () => {
    const big = { ...EVENT, blob: 'x'.repeat(2_000_000) };

    it('uses 6,000,000 bytes, under Lambda 6 MB synchronous response limit', () => {
      expect(RESPONSE_LIMIT_BYTES).to.equal(6_000_000);
    });

    it('fails the rows that do not fit and keeps answering every record within the limit', () => {
      const records = [record('1', big), record('2', big), record('3', big), record('4', EVENT)];
      const outcome = transformRecords(records);
      expect(outcome.response.records.map((r) => [r.recordId, r.result])).to.deep.equal([
        ['1', 'Ok'],
        ['2', 'Ok'],
        ['3', 'ProcessingFailed'],
        ['4', 'Ok'],
      ]);
      expect(outcome.failures.map((f) => [f.recordId, f.kind])).to.deep.equal([['3', 'over-response-limit']]);
      expect(Buffer.byteLength(JSON.stringify(outcome.response))).to.be.at.most(RESPONSE_LIMIT_BYTES);
    });

    it('fills the response up to exactly the limit', () => {
      const one = transformRecords([record('1', EVENT)]).response;
      const exact = Buffer.byteLength(JSON.stringify(one));
      expect(transformRecords([record('1', EVENT)], exact).response.records[0].result).to.equal('Ok');
      expect(transformRecords([record('1', EVENT)], exact - 1).response.records[0].result).to.equal('ProcessingFailed');
    });

    it('refuses a batch whose failure answers alone cannot fit, naming the fix', () => {
      expect(() => transformRecords([record('1', EVENT), record('2', EVENT)], 40)).to.throw(
        "a batch of 2 records cannot be answered within 40 bytes; lower the processor's buffer size",
      );
    });
  });

  describe('real Firehose payloads (../shared/fixtures/aws-events)', () => {
    for (const path of ['powertools/kinesis-firehose.json', 'powertools/kinesis-firehose-put.json', 'aws-lambda-go/kinesis-firehose-event.json']) {
      it(`${path}: neither "Hello World" nor {"Hello": "World"} is an event, so each is ProcessingFailed`, async () => {
        const event = fixture(path);
        const response = await handler(event);
        expect(response.records.map((r) => [r.recordId, r.result])).to.deep.equal(event.records.map((r) => [r.recordId, 'ProcessingFailed']));
      });
    }

    it('transforms an enriched event carried in the shape of the Kinesis-source fixture', async () => {
      const event = fixture('powertools/kinesis-firehose.json');
      event.records[1] = { ...event.records[1], data: Buffer.from(JSON.stringify(EVENT)).toString('base64') };
      const response = await handler(event);
      expect(response.records.map((r) => [r.recordId, r.result])).to.deep.equal([
        ['record1', 'ProcessingFailed'],
        ['record2', 'Ok'],
      ]);
      expect(response.records[1].metadata?.partitionKeys).to.deep.equal({ event_type: 'payment', created_date: '2026-03-17' });
    });
  });
});
