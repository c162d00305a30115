import { expect } from 'chai';
import { checkArchive, formatArchiveCheck } from '../../core/archive-check';

const H = 3600_000;
const T0 = Date.UTC(2026, 2, 17, 9);
const counts = (...values: number[]) => new Map(values.map((v, i) => [T0 + i * H, v]));

describe('archive completeness check', () => {
  it('is complete when every hour is archived, copies included', () => {
    const result = checkArchive([T0, T0 + H], counts(100, 52, 0), counts(100, 50));
    expect(result).to.deep.include({ complete: true, archiveTotal: 152, referenceTotal: 150 });
    expect(result.rows.map((r) => r.shortfall)).to.deep.equal([0, 0]);
  });

  it('counts records Firehose filed in the next hour towards the hour they arrived in', () => {
    // 10 records of 09:59 were archived in hour 10, beside hour 10's own 50; hour 11 holds 5 of hour 10's.
    const result = checkArchive([T0, T0 + H], counts(90, 55, 5), counts(100, 50));
    expect(result.complete).to.equal(true);
  });

  it('names the first hour the archive lacks records, and how many', () => {
    const result = checkArchive([T0, T0 + H, T0 + 2 * H], counts(100, 40, 50, 0), counts(100, 50, 50));
    expect(result.complete).to.equal(false);
    expect(result.rows.map((r) => [r.hour, r.shortfall])).to.deep.equal([
      ['2026-03-17T09', 0],
      ['2026-03-17T10', 0],
      ['2026-03-17T11', 10],
    ]);
    expect(formatArchiveCheck(result, 'events')).to.include('INCOMPLETE from 2026-03-17T11: the archive lacks 10 record(s) that events counted by then');
  });
});
