import { expect } from 'chai';
import type { KinesisStreamRecord } from 'aws-lambda';
import { countByType } from '../../functions/events-by-type/handler';

const record = (seq: string, body: unknown): KinesisStreamRecord =>
  ({ kinesis: { sequenceNumber: seq, data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64') } }) as unknown as KinesisStreamRecord;
const agg = (type: string, subtype: string | null, count: number, start = '2026-03-17 10:15:00', end = '2026-03-17 10:16:00') => ({
  window_start: start,
  window_end: end,
  event_type: type,
  event_subtype: subtype,
  event_count: count,
});

describe('functions: events-by-type', () => {
  it('sums event_count per event type over every window and subtype in the batch', () => {
    const { byType, rejected } = countByType([
      record('1', agg('payment', 'order', 3)),
      record('2', agg('payment', 'refund', 2)),
      record('3', agg('account', 'created', 1)),
      record('4', agg('payment', 'order', 5, '2026-03-17 10:16:00', '2026-03-17 10:17:00')),
    ]);
    expect([...byType]).to.deep.equal([
      ['payment', 10],
      ['account', 1],
    ]);
    expect(rejected).to.deep.equal([]);
  });

  it('skips records that are not aggregates and says why', () => {
    const { byType, rejected } = countByType([record('1', 'hello'), record('2', agg('payment', null, -1)), record('3', agg('debug', null, 4))]);
    expect([...byType]).to.deep.equal([['debug', 4]]);
    expect(rejected).to.deep.equal([
      { sequenceNumber: '1', reason: 'not JSON' },
      { sequenceNumber: '2', reason: 'not an aggregate: event_count must be a non-negative integer, got -1' },
    ]);
  });
});
