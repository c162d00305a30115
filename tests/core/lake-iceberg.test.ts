import { expect } from 'chai';
import { ICEBERG_TABLE_PROPERTIES, icebergSchema } from '../../core/lake/iceberg';
import { ENRICHED_EVENT_FIELDS, LAKE_AGGREGATES, LAKE_EVENTS } from '../../core/lake/schema';

describe('lake: the curated tables as Iceberg tables', () => {
  it('hold every enriched field of an event as a column, ids in column order, and derive the event date', () => {
    const { fields, partitionSpec } = icebergSchema(LAKE_EVENTS);
    expect(fields.map((f) => f.name).filter((n) => !ENRICHED_EVENT_FIELDS.includes(n))).to.deep.equal(['payload']);
    expect(ENRICHED_EVENT_FIELDS.filter((f) => !fields.some((x) => x.name === f))).to.deep.equal([]);
    expect(fields.map((f) => f.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(partitionSpec.fields.map((p) => [p.fieldId, p.name, fields.find((f) => f.id === p.sourceId)!.name, p.transform])).to.deep.equal([
      [1000, 'event_type', 'event_type', 'identity'],
      [1001, 'created_datetime_day', 'created_datetime', 'day'],
    ]);
  });

  it('spell the column types as Iceberg does, all optional', () => {
    expect(icebergSchema(LAKE_AGGREGATES).fields.map((f) => [f.name, f.type, f.required])).to.deep.equal([
      ['window_start', 'timestamp', false],
      ['window_end', 'timestamp', false],
      ['event_type', 'string', false],
      ['event_subtype', 'string', false],
      ['event_count', 'long', false],
    ]);
    expect(icebergSchema(LAKE_AGGREGATES).partitionSpec).to.deep.equal({ specId: 0, fields: [{ name: 'window_start_day', sourceId: 1, fieldId: 1000, transform: 'day' }] });
  });

  it('refuse a partition over a column the table lacks, and a repeated column', () => {
    expect(() => icebergSchema({ ...LAKE_EVENTS, partitionSpec: [{ source: 'created_date', transform: 'identity', name: 'created_date' }] })).to.throw(
      'table events: partition created_date reads created_date, which is not a column of the table; use one of event_uuid, event_name, event_type,',
    );
    expect(() => icebergSchema({ ...LAKE_AGGREGATES, columns: [...LAKE_AGGREGATES.columns, LAKE_AGGREGATES.columns[2]!] })).to.throw('table aggregates: column(s) event_type appear more than once');
  });

  it('let the writer delete old metadata files, which a commit per checkpoint piles up', () => {
    expect(ICEBERG_TABLE_PROPERTIES['write.metadata.delete-after-commit.enabled']).to.equal('true');
    expect(Number(ICEBERG_TABLE_PROPERTIES['write.metadata.previous-versions-max'])).to.equal(100);
  });
});
