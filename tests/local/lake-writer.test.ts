import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { icebergViewSql, openLocalLake, RawArchiveWriter, writeErrors, writeRawArchive } from '../../local/lake';
import { LineWriter } from '../../local/line-writer';
import { LAKE_AGGREGATES } from '../../core/lake/schema';
import { ERROR_RECORDS, RAW, jsonl } from '../support/lake-fixture';

describe('local lake: raw archive, error zone and views', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lake-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('archives raw events untouched as gzip JSON lines under dt=../hour=.. of their arrival', async () => {
    const result = await writeRawArchive(dir, jsonl(RAW), { batch: 'run1' });
    expect(result).to.deep.equal({
      rows: 8,
      files: ['raw/dt=2026-03-17/hour=10/run1.json.gz', 'raw/dt=2026-03-17/hour=11/run1.json.gz', 'raw/dt=2026-03-18/hour=00/run1.json.gz'],
    });
    const text = gunzipSync(readFileSync(join(dir, 'raw/dt=2026-03-18/hour=00/run1.json.gz'))).toString('utf8');
    expect(text).to.equal(jsonl(RAW.slice(6)));
  });

  it('archives blocks of encoded lines after the single lines added before them, counting each line', async () => {
    const archive = new RawArchiveWriter(dir, { batch: 'run1' });
    const at = Date.parse('2026-03-17T10:15:00Z');
    archive.add('{"n":1}', at);
    await archive.addLines(Buffer.from('{"n":2,"é":"ü"}\n{"n":3}\n'), 2, at);
    archive.add('{"n":4}', at);
    await archive.addLines(Buffer.from('{"n":5}\n'), 1, at + 3_600_000);
    await archive.close();
    expect(archive.result()).to.deep.equal({ rows: 5, files: ['raw/dt=2026-03-17/hour=10/run1.json.gz', 'raw/dt=2026-03-17/hour=11/run1.json.gz'] });
    expect(gunzipSync(readFileSync(join(dir, 'raw/dt=2026-03-17/hour=10/run1.json.gz'))).toString('utf8')).to.equal('{"n":1}\n{"n":2,"é":"ü"}\n{"n":3}\n{"n":4}\n');
    expect(gunzipSync(readFileSync(join(dir, 'raw/dt=2026-03-17/hour=11/run1.json.gz'))).toString('utf8')).to.equal('{"n":5}\n');
  });

  it('hands each chunk a line writer writes to its second reader as the same bytes, with its line count', async () => {
    const copies: { text: string; lines: number }[] = [];
    const writer = new LineWriter(join(dir, 'lines.jsonl'), { chunkChars: 10, also: (chunk, lines) => void copies.push({ text: chunk.toString('utf8'), lines }) });
    for (const line of ['{"a":1}', '{"b":"ü"}', '{"c":3}']) await writer.write(line);
    await writer.close();
    expect(copies).to.deep.equal([
      { text: '{"a":1}\n{"b":"ü"}\n', lines: 2 },
      { text: '{"c":3}\n', lines: 1 },
    ]);
    expect(readFileSync(join(dir, 'lines.jsonl'), 'utf8')).to.equal('{"a":1}\n{"b":"ü"}\n{"c":3}\n');
  });

  it('writes error records as JSON lines under source=../dt=..', async () => {
    const result = await writeErrors(dir, ERROR_RECORDS, { batch: 'run1', at: new Date('2026-03-17T23:59:59.999Z') });
    expect(result.files).to.deep.equal(['errors/source=legacy/dt=2026-03-17/run1.jsonl', 'errors/source=orders/dt=2026-03-17/run1.jsonl', 'errors/source=stream/dt=2026-03-17/run1.jsonl']);
    const lines = readFileSync(join(dir, 'errors/source=stream/dt=2026-03-17/run1.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).to.deep.equal(ERROR_RECORDS.slice(1, 3));
  });

  it('serves every zone through views named and typed like the Glue tables', async () => {
    await writeRawArchive(dir, jsonl(RAW), { batch: 'run1' });
    await writeErrors(dir, ERROR_RECORDS, { batch: 'run1', at: new Date('2026-03-17T12:00:00Z') });
    const lake = await openLocalLake(dir);
    const raw = (await lake.runAndReadAll('SELECT dt, hour, count(*) AS n FROM raw_events GROUP BY ALL ORDER BY ALL')).getRowObjectsJson();
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

  it("reads a curated table from exactly the data files given, with the table's column types", () => {
    expect(icebergViewSql(LAKE_AGGREGATES, ['/l/curated/aggregates/data/a.parquet', "/l/it's.parquet"])).to.equal(
      'CREATE OR REPLACE VIEW "aggregates" AS SELECT CAST("window_start" AS TIMESTAMP) AS "window_start", CAST("window_end" AS TIMESTAMP) AS "window_end", ' +
        'CAST("event_type" AS VARCHAR) AS "event_type", CAST("event_subtype" AS VARCHAR) AS "event_subtype", CAST("event_count" AS BIGINT) AS "event_count" ' +
        "FROM read_parquet(['/l/curated/aggregates/data/a.parquet', '/l/it''s.parquet'])",
    );
    expect(icebergViewSql(LAKE_AGGREGATES, [])).to.match(/^CREATE OR REPLACE VIEW "aggregates" AS SELECT CAST\(NULL AS TIMESTAMP\) AS "window_start", .* WHERE false$/);
  });
});
