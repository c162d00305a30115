import { expect } from 'chai';
import { createdDate, partitionPath, partitionTemplate, rawPartition, utcDate, windowDate } from '../../core/lake/partitions';
import { aggregateRow, curatedEventRow, parseUtcTimestamp } from '../../core/lake/rows';
import { AGGREGATES, CURATED_EVENTS, duckdbType, ENRICHED_EVENT_FIELDS, ERRORS, glueType, LAKE_TABLES, RAW_EVENTS } from '../../core/lake/schema';
import { E1 } from '../support/lake-fixture';

describe('lake schema, partitions and rows', () => {
  describe('table definitions', () => {
    it('keep partition columns out of the file columns and every name unique', () => {
      for (const table of LAKE_TABLES) {
        const names = [...table.columns, ...table.partitionKeys].map((c) => c.name);
        expect(new Set(names).size, table.name).to.equal(names.length);
      }
    });

    it('give curated events every enriched field, as a column or a partition, plus payload', () => {
      const names = [...CURATED_EVENTS.columns, ...CURATED_EVENTS.partitionKeys].map((c) => c.name);
      expect(ENRICHED_EVENT_FIELDS.filter((f) => !names.includes(f))).to.deep.equal([]);
      expect(names.filter((n) => !ENRICHED_EVENT_FIELDS.includes(n))).to.deep.equal(['payload', 'created_date']);
    });

    it('spell nested types for Glue and for DuckDB', () => {
      const error = ERRORS.columns[0]!.type;
      expect(glueType(error)).to.equal('struct<reasons:array<string>,source:string,object_key:string,line:bigint,sequence_number:string>');
      expect(duckdbType(error)).to.equal('STRUCT("reasons" VARCHAR[], "source" VARCHAR, "object_key" VARCHAR, "line" BIGINT, "sequence_number" VARCHAR)');
      expect(AGGREGATES.columns.map((c) => duckdbType(c.type))).to.deep.equal(['TIMESTAMP', 'TIMESTAMP', 'VARCHAR', 'VARCHAR', 'BIGINT']);
    });
  });

  describe('partitions', () => {
    it('dates instants in UTC', () => {
      expect(utcDate(Date.UTC(2026, 2, 17, 23, 59, 59, 999))).to.equal('2026-03-17');
      expect(createdDate(1773792000)).to.equal('2026-03-18');
      expect(createdDate(1773791999.999)).to.equal('2026-03-17');
      expect(windowDate(Date.UTC(2026, 0, 1))).to.equal('2026-01-01');
      expect(rawPartition(Date.UTC(2026, 2, 17, 9, 5))).to.deep.equal({ dt: '2026-03-17', hour: '09' });
    });

    it('refuses instants outside 1970..9999', () => {
      expect(() => utcDate(-1)).to.throw('utcDate: -1 is not an instant between 1970 and 9999 (epoch milliseconds)');
      expect(() => createdDate(253402300800)).to.throw(/is not an instant between 1970 and 9999/);
      expect(() => rawPartition(Number.NaN)).to.throw('rawPartition: NaN is not an instant between 1970 and 9999 (epoch milliseconds)');
    });

    it('builds paths and templates in partition order', () => {
      expect(partitionPath(CURATED_EVENTS, { created_date: '2026-03-17', event_type: 'payment' })).to.equal('curated/events/event_type=payment/created_date=2026-03-17/');
      expect(partitionTemplate(RAW_EVENTS, (k) => `\${${k}}`)).to.equal('raw/dt=${dt}/hour=${hour}/');
    });

    it('names a missing, unknown or unsafe partition value', () => {
      expect(() => partitionPath(AGGREGATES, {})).to.throw('partition of table aggregates: missing value for window_date; give all of window_date');
      expect(() => partitionPath(AGGREGATES, { window_date: '2026-03-17', dt: 'x' })).to.throw('partition of table aggregates: unknown key(s) dt; its keys are window_date');
      expect(() => partitionPath(ERRORS, { source: '../x', dt: '2026-03-17' })).to.throw(
        'partition of table errors: value "../x" for source is not a safe key segment; use letters, digits, _ . : - only',
      );
    });
  });

  describe('rows', () => {
    it('parses UTC timestamps as ISO, SQL or epoch millis, and nothing else', () => {
      expect(parseUtcTimestamp('2026-03-17T10:15:30.250Z')).to.equal(Date.UTC(2026, 2, 17, 10, 15, 30, 250));
      expect(parseUtcTimestamp('2026-03-17 10:15:30')).to.equal(Date.UTC(2026, 2, 17, 10, 15, 30));
      expect(parseUtcTimestamp('2026-03-17T10:15:30.123456+00:00')).to.equal(Date.UTC(2026, 2, 17, 10, 15, 30, 123));
      expect(parseUtcTimestamp(1773742530250)).to.equal(1773742530250);
      for (const bad of ['2026-02-30T00:00:00Z', '2026-03-17T24:00:00Z', '2026-03-17T10:15:30+01:00', '17/03/2026', -5, null, true]) {
        expect(parseUtcTimestamp(bad), String(bad)).to.equal(undefined);
      }
    });

    it('lists every problem of an event that is not enriched', () => {
      const result = curatedEventRow({ event_uuid: 'u', event_name: 'a:b', created_at: -1, event_type: 'a', event_subtype: 3, ingested_at: 'now' });
      expect(result).to.deep.equal({
        ok: false,
        reason:
          'not an enriched event: created_at -1 is not between 1970 and 9999 in Unix seconds; event_subtype must be a non-empty string or null, got 3; ' +
          'created_datetime must be an ISO 8601 UTC timestamp, got nothing; ingested_at must be an ISO 8601 UTC timestamp, got "now"; source must be a non-empty string, got nothing',
      });
    });

    it('keeps payload fields, in order, and nothing enriched, in payload', () => {
      const result = curatedEventRow({ ...E1, nested: { event_type: 'inner' } });
      expect(result.ok && JSON.parse(result.row.payload as string)).to.deep.equal({ order: 'o-1', amount: 12.5, nested: { event_type: 'inner' } });
    });

    it('builds aggregate rows and names what is wrong with one', () => {
      expect(aggregateRow({ window_start: '2026-03-17T10:15:00Z', window_end: '2026-03-17T10:16:00Z', event_type: 'payment', event_count: 4 })).to.deep.equal({
        ok: true,
        row: { window_start: Date.UTC(2026, 2, 17, 10, 15), window_end: Date.UTC(2026, 2, 17, 10, 16), event_type: 'payment', event_subtype: null, event_count: 4 },
        partition: { window_date: '2026-03-17' },
      });
      expect(aggregateRow({ window_start: '2026-03-17 10:16:00', window_end: '2026-03-17 10:15:00', event_type: 'Pay', event_count: 1.5 })).to.deep.equal({
        ok: false,
        reason: 'not an aggregate: window_end must be after window_start; event_type must match [a-z0-9_]+, got "Pay"; event_count must be a non-negative integer, got 1.5',
      });
    });
  });
});
