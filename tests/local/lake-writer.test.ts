import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLocalLake, writeAggregates, writeCuratedEvents, writeErrors, writeRawArchive } from '../../local/lake';
import { AGGREGATES, CURATED_EVENTS } from '../../core/lake/schema';
import { AGGREGATE_ROWS, CURATED, E1, E2, ERROR_RECORDS, RAW, jsonl } from '../support/lake-fixture';

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

describe('local lake writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lake-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes curated events as Parquet under event_type=../created_date=.. with deterministic names', async () => {
    const result = await writeCuratedEvents(dir, jsonl(CURATED), { batch: 'run1' });
    expect(result).to.deep.equal({
      rows: 5,
      files: [
        'curated/events/event_type=account/created_date=2026-03-17/run1_0.parquet',
        'curated/events/event_type=account/created_date=2026-03-18/run1_0.parquet',
        'curated/events/event_type=payment/created_date=2026-03-17/run1_0.parquet',
      ],
    });
  });

  it('stores the curated table columns in order, partition values in the path only', async () => {
    await writeCuratedEvents(dir, jsonl([E1]), { batch: 'run1' });
    const file = join(dir, 'curated/events/event_type=payment/created_date=2026-03-17/run1_0.parquet');
    const schema = await query(`SELECT name, type FROM parquet_schema('${file}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((c) => c.name)).to.deep.equal(CURATED_EVENTS.columns.map((c) => c.name));
    const rows = await query(`SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
    expect(rows).to.deep.equal([
      {
        event_uuid: E1.event_uuid,
        event_name: 'payment:order:completed',
        event_subtype: 'order',
        created_at: 1773742530.25,
        created_datetime: '2026-03-17 10:15:30.25',
        ingested_at: '2026-03-17 10:15:31',
        source: 'stream',
        payload: '{"order":"o-1","amount":12.5}',
      },
    ]);
  });

  it('rewrites the same batch in place and keeps other batches', async () => {
    await writeCuratedEvents(dir, jsonl([E1]), { batch: 'run1' });
    await writeCuratedEvents(dir, jsonl([E1]), { batch: 'run1' });
    await writeCuratedEvents(dir, jsonl([E2]), { batch: 'run2' });
    const lake = await openLocalLake(dir);
    const rows = (await lake.runAndReadAll('SELECT event_uuid, event_type, created_date FROM events ORDER BY event_uuid')).getRowObjectsJson();
    lake.closeSync();
    expect(rows).to.deep.equal([
      { event_uuid: E1.event_uuid, event_type: 'payment', created_date: '2026-03-17' },
      { event_uuid: E2.event_uuid, event_type: 'payment', created_date: '2026-03-17' },
    ]);
  });

  it('names the line and the reason of an input that is not an enriched event', async () => {
    const input = `${JSON.stringify(E1)}\n{"event_uuid":"x"\n`;
    let message = '';
    await writeCuratedEvents(dir, input, { batch: 'run1' }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/^enriched events, line 2: not JSON/);
    const missing = `${JSON.stringify({ ...E1, source: undefined })}\n`;
    await writeCuratedEvents(dir, missing, { batch: 'run1' }).catch((e: Error) => (message = e.message));
    expect(message).to.equal('enriched events, line 1: not an enriched event: source must be a non-empty string, got nothing');
  });

  it('writes aggregates as Parquet under window_date=.. with the aggregates table columns', async () => {
    const result = await writeAggregates(dir, jsonl(AGGREGATE_ROWS), { batch: 'run1' });
    expect(result.files).to.deep.equal(['curated/aggregates/window_date=2026-03-17/run1_0.parquet', 'curated/aggregates/window_date=2026-03-18/run1_0.parquet']);
    const file = join(dir, result.files[1] as string);
    const schema = await query(`SELECT name, type FROM parquet_schema('${file}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((c) => c.name)).to.deep.equal(AGGREGATES.columns.map((c) => c.name));
    expect(await query(`SELECT * FROM read_parquet('${file}', hive_partitioning = false)`)).to.deep.equal([
      { window_start: '2026-03-18 00:00:00', window_end: '2026-03-18 00:01:00', event_type: 'account', event_subtype: 'created', event_count: '1' },
    ]);
  });

  it('archives raw events untouched as gzip JSON lines under dt=../hour=.. of their arrival', async () => {
    const result = await writeRawArchive(dir, jsonl(RAW), { batch: 'run1' });
    expect(result).to.deep.equal({
      rows: 8,
      files: ['raw/dt=2026-03-17/hour=10/run1.json.gz', 'raw/dt=2026-03-17/hour=11/run1.json.gz', 'raw/dt=2026-03-18/hour=00/run1.json.gz'],
    });
    const text = gunzipSync(readFileSync(join(dir, 'raw/dt=2026-03-18/hour=00/run1.json.gz'))).toString('utf8');
    expect(text).to.equal(jsonl(RAW.slice(6)));
  });

  it('writes error records as JSON lines under source=../dt=..', async () => {
    const result = await writeErrors(dir, ERROR_RECORDS, { batch: 'run1', at: new Date('2026-03-17T23:59:59.999Z') });
    expect(result.files).to.deep.equal([
      'errors/source=legacy/dt=2026-03-17/run1.jsonl',
      'errors/source=orders/dt=2026-03-17/run1.jsonl',
      'errors/source=stream/dt=2026-03-17/run1.jsonl',
    ]);
    const lines = readFileSync(join(dir, 'errors/source=stream/dt=2026-03-17/run1.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).to.deep.equal(ERROR_RECORDS.slice(1, 3));
  });

  it('serves every zone through views named and typed like the Glue tables', async () => {
    await writeRawArchive(dir, jsonl(RAW), { batch: 'run1' });
    await writeErrors(dir, ERROR_RECORDS, { batch: 'run1', at: new Date('2026-03-17T12:00:00Z') });
    const lake = await openLocalLake(dir);
    const raw = (await lake.runAndReadAll("SELECT dt, hour, count(*) AS n FROM raw_events GROUP BY ALL ORDER BY ALL")).getRowObjectsJson();
    const errors = (await lake.runAndReadAll("SELECT source, dt, error.reasons[1] AS reason, error.line AS line, raw FROM errors WHERE source = 'orders'")).getRowObjectsJson();
    const empty = (await lake.runAndReadAll('SELECT count(*) AS n FROM events')).getRowObjectsJson();
    lake.closeSync();
    expect(raw).to.deep.equal([
      { dt: '2026-03-17', hour: '10', n: '5' },
      { dt: '2026-03-17', hour: '11', n: '1' },
      { dt: '2026-03-18', hour: '00', n: '2' },
    ]);
    expect(errors).to.deep.equal([{ source: 'orders', dt: '2026-03-17', reason: 'created_at looks like milliseconds', line: '3', raw: '{"created_at":1773742530000}' }]);
    expect(empty).to.deep.equal([{ n: '0' }]);
  });
});
