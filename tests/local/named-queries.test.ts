import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openLocalLake } from '../../local/lake';
import { ATHENA_SQL_DIR, findNamedQuery, loadNamedQueries, parseNamedQuery, parseParamArgs, placeholders, renderLiteral, renderQuery } from '../../core/named-queries';
import { buildFixtureLake, E1, E2, E5 } from '../support/lake-fixture';

describe('named queries', () => {
  describe('files in sql/athena', () => {
    it("has the analysts' queries, each with a name equal to its file and a description", () => {
      const queries = loadNamedQueries();
      expect(queries.map((q) => q.name)).to.deep.equal(['aggregates-per-minute', 'data-freshness', 'events-per-type-per-hour', 'latest-events', 'source-quality']);
      expect(readdirSync(ATHENA_SQL_DIR).filter((f) => f.endsWith('.sql'))).to.have.length(queries.length);
      for (const q of queries) expect(q.description.length, q.name).to.be.greaterThan(20);
    });

    it('reads parameters with types, defaults and descriptions from the header', () => {
      expect(findNamedQuery('latest-events').params).to.deep.equal([
        { name: 'event_type', type: 'event_type', description: 'Event type to list (first part of event_name), e.g. payment' },
        { name: 'since_date', type: 'date', description: 'Earliest event date (UTC) to look in (YYYY-MM-DD); bounds the scan' },
        { name: 'limit', type: 'integer', description: 'How many events to return', default: '100' },
      ]);
    });

    it('names the available queries when one is not found', () => {
      expect(() => findNamedQuery('nope')).to.throw(/no named query "nope" in .*sql\/athena; available: aggregates-per-minute, data-freshness,/);
    });
  });

  describe('executed by DuckDB on a local Iceberg lake written by the Flink jobs', () => {
    let dir: string;
    let lake: DuckDBConnection;
    before(async function () {
      // The curated tables are written by the Flink jobs in two mini-clusters.
      this.timeout(600_000);
      dir = await buildFixtureLake();
      lake = await openLocalLake(dir);
    });
    after(() => lake.closeSync());
    const run = async (name: string, params: Record<string, string>) => (await lake.runAndReadAll(renderQuery(findNamedQuery(name), params))).getRowObjectsJson();

    it('events-per-type-per-hour counts the curated events of the created dates asked for', async () => {
      expect(await run('events-per-type-per-hour', { from_date: '2026-03-17', to_date: '2026-03-17' })).to.deep.equal([
        { event_type: 'payment', event_hour: '2026-03-17 10:00:00', event_count: '2' },
        { event_type: 'account', event_hour: '2026-03-17 11:00:00', event_count: '1' },
        { event_type: 'payment', event_hour: '2026-03-17 23:00:00', event_count: '1' },
      ]);
      expect(await run('events-per-type-per-hour', { from_date: '2026-03-18', to_date: '2026-03-31' })).to.deep.equal([{ event_type: 'account', event_hour: '2026-03-18 00:00:00', event_count: '1' }]);
    });

    it('source-quality counts accepted events, duplicates and rejects per source', async () => {
      expect(await run('source-quality', { from_date: '2026-03-17', to_date: '2026-03-17' })).to.deep.equal([
        { source: 'legacy', accepted: '0', duplicates: '0', rejected: '1', duplicate_rate: null, error_rate: 1 },
        { source: 'orders', accepted: '2', duplicates: '1', rejected: '1', duplicate_rate: 0.5, error_rate: 0.3333 },
        { source: 'stream', accepted: '4', duplicates: '2', rejected: '2', duplicate_rate: 0.5, error_rate: 0.3333 },
      ]);
      expect(await run('source-quality', { from_date: '2026-03-18', to_date: '2026-03-18' })).to.deep.equal([
        { source: 'orders', accepted: '1', duplicates: '0', rejected: '0', duplicate_rate: 0, error_rate: 0 },
        { source: 'stream', accepted: '1', duplicates: '0', rejected: '0', duplicate_rate: 0, error_rate: 0 },
      ]);
    });

    it('latest-events lists one type, newest first, up to the limit', async () => {
      const rows = await run('latest-events', { event_type: 'payment', since_date: '2026-03-17', limit: '2' });
      expect(rows).to.deep.equal([
        {
          event_uuid: E5.event_uuid,
          event_name: 'payment:refund',
          event_subtype: 'refund',
          created_datetime: '2026-03-17 23:59:59',
          ingested_at: '2026-03-18 00:00:05',
          source: 'orders',
          payload: '{"order":"o-1"}',
        },
        {
          event_uuid: E2.event_uuid,
          event_name: 'payment:order:completed',
          event_subtype: 'order',
          created_datetime: '2026-03-17 10:45:00',
          ingested_at: '2026-03-17 10:45:01',
          source: 'orders',
          payload: '{"order":"o-2","amount":3}',
        },
      ]);
      const all = await run('latest-events', { event_type: 'payment', since_date: '2026-03-17' });
      expect(all.map((r) => r.event_uuid)).to.deep.equal([E5.event_uuid, E2.event_uuid, E1.event_uuid]);
      expect(await run('latest-events', { event_type: 'account', since_date: '2026-03-18' })).to.have.length(1);
    });

    it('aggregates-per-minute sums the windows of each minute in [from_time, to_time)', async () => {
      expect(await run('aggregates-per-minute', { from_time: '2026-03-17T10:00:00Z', to_time: '2026-03-17T11:05:00Z' })).to.deep.equal([
        { event_minute: '2026-03-17 10:15:00', event_type: 'payment', event_subtype: 'order', event_count: '1' },
        { event_minute: '2026-03-17 10:45:00', event_type: 'payment', event_subtype: 'order', event_count: '1' },
      ]);
      expect(await run('aggregates-per-minute', { from_time: '2026-03-17T23:00:00Z', to_time: '2026-03-18T01:00:00Z' })).to.deep.equal([
        { event_minute: '2026-03-17 23:59:00', event_type: 'payment', event_subtype: 'refund', event_count: '1' },
        { event_minute: '2026-03-18 00:00:00', event_type: 'account', event_subtype: 'created', event_count: '1' },
      ]);
    });

    it('data-freshness reports the latest arrival per table and type and the seconds since', async () => {
      const before = Date.now();
      const rows = await run('data-freshness', { since_date: '2026-03-17' });
      const after = Date.now();
      const expected = [
        { dataset: 'aggregates', event_type: 'account', latest: '2026-03-18 00:01:00' },
        { dataset: 'aggregates', event_type: 'payment', latest: '2026-03-18 00:00:00' },
        { dataset: 'events', event_type: 'account', latest: '2026-03-18 00:00:12' },
        { dataset: 'events', event_type: 'payment', latest: '2026-03-18 00:00:05' },
      ];
      expect(rows.map(({ dataset, event_type, latest }) => ({ dataset, event_type, latest }))).to.deep.equal(expected);
      rows.forEach((row, i) => {
        const latest = Date.parse(`${expected[i]!.latest.replace(' ', 'T')}Z`);
        const seconds = Number(row.seconds_since);
        expect(seconds).to.be.at.least(Math.floor((before - latest) / 1000) - 1);
        expect(seconds).to.be.at.most(Math.ceil((after - latest) / 1000));
      });
    });

    it('every query runs on an empty lake with the same columns', async () => {
      const empty = await openLocalLake('/nonexistent-sluice-lake');
      try {
        for (const q of loadNamedQueries()) {
          const params = Object.fromEntries(q.params.map((p) => [p.name, { date: '2026-03-17', timestamp: '2026-03-17T00:00:00Z', integer: '5', event_type: 'x', string: 'x' }[p.type]]));
          const result = await empty.runAndReadAll(renderQuery(q, params));
          expect(result.getRowObjectsJson(), q.name).to.deep.equal([]);
          expect(result.columnCount, q.name).to.be.greaterThan(1);
        }
      } finally {
        empty.closeSync();
      }
    });
  });

  describe('parameters', () => {
    const q = parseNamedQuery(
      [
        '-- name: sample',
        '-- description: A sample query for tests.',
        '-- param: t event_type  type',
        '-- param: d date  day',
        '-- param: ts timestamp  time',
        '-- param: n integer = 10  count',
        '-- param: s string  text',
        'SELECT \':t\' AS quoted, ":d" AS ident, x::int -- :n in a comment',
        'FROM events /* :s */ WHERE event_type = :t AND created_date = :d AND created_datetime >= :ts AND note = :s LIMIT :n',
      ].join('\n'),
      '/x/sample.sql',
    );

    it('replaces placeholders only outside literals, quoted identifiers and comments', () => {
      expect(placeholders(q.sql).map((p) => p.name)).to.deep.equal(['t', 'd', 'ts', 's', 'n']);
      const sql = renderQuery(q, { t: 'payment', d: '2026-03-17', ts: '2026-03-17T10:00Z', s: "it's" });
      expect(sql.split('\n').slice(-2)).to.deep.equal([
        'SELECT \':t\' AS quoted, ":d" AS ident, x::int -- :n in a comment',
        "FROM events /* :s */ WHERE event_type = 'payment' AND created_date = '2026-03-17' AND created_datetime >= TIMESTAMP '2026-03-17 10:00:00.000' AND note = 'it''s' LIMIT 10",
      ]);
    });

    it('renders each type as a validated literal', () => {
      const p = (type: any) => ({ name: 'p', type, description: '' });
      expect(renderLiteral(p('timestamp'), '2026-03-17 10:00:01.5')).to.equal("TIMESTAMP '2026-03-17 10:00:01.500'");
      expect(renderLiteral(p('timestamp'), '2026-03-17T10:00:01.123Z')).to.equal("TIMESTAMP '2026-03-17 10:00:01.123'");
      expect(renderLiteral(p('integer'), '007')).to.equal('7');
      expect(renderLiteral(p('string'), "a'); DROP TABLE events; --")).to.equal("'a''); DROP TABLE events; --'");
    });

    it('rejects values that are not of their type, naming the parameter and the form', () => {
      const p = (type: any) => ({ name: 'p', type, description: '' });
      const cases: [string, string, string][] = [
        ['event_type', "payment' OR '1'='1", 'an event type (lower-case letters, digits and _)'],
        ['date', '2026-02-30', 'a date (YYYY-MM-DD)'],
        ['date', "2026-03-17' --", 'a date (YYYY-MM-DD)'],
        ['timestamp', '2026-03-17T24:00:00Z', 'a UTC timestamp (YYYY-MM-DDTHH:MM[:SS[.mmm]][Z])'],
        ['timestamp', '2026-03-17T10:00:00+02:00', 'a UTC timestamp (YYYY-MM-DDTHH:MM[:SS[.mmm]][Z])'],
        ['integer', '1 OR 1=1', 'a whole number from 0 to 1000000000'],
        ['integer', '-1', 'a whole number from 0 to 1000000000'],
        ['integer', '1000000001', 'a whole number from 0 to 1000000000'],
        ['string', 'a\nb', 'text without control characters'],
      ];
      for (const [type, value, expected] of cases) {
        expect(() => renderLiteral(p(type), value), `${type} ${value}`).to.throw(`parameter p: ${JSON.stringify(value)} is not ${expected}`);
      }
    });

    it('names a missing, an unknown, or a repeated parameter and the fix', () => {
      expect(() => renderQuery(q, { d: '2026-03-17', ts: '2026-03-17T10:00Z', s: 'x' })).to.throw('query sample needs --param t=<event_type> (type)');
      expect(() => renderQuery(q, { t: 'a', d: '2026-03-17', ts: '2026-03-17T10:00Z', s: 'x', limit: '3' })).to.throw(
        'query sample has no parameter(s) limit; its parameters: t (event_type), d (date), ts (timestamp), n (integer, default 10), s (string)',
      );
      expect(parseParamArgs(['a=1', 'b=x=y', 'c='])).to.deep.equal({ a: '1', b: 'x=y', c: '' });
      expect(() => parseParamArgs(['a'])).to.throw('--param "a" must read <name>=<value>, e.g. --param event_type=payment');
      expect(() => parseParamArgs(['a=1', 'a=2'])).to.throw('--param a is given twice');
    });

    it('rejects a header that disagrees with the query', () => {
      const file = (body: string[]) => () => parseNamedQuery(body.join('\n'), '/x/q.sql');
      expect(file(['-- description: d', 'SELECT 1'])).to.throw('/x/q.sql: missing "-- name: q" header line');
      expect(file(['-- name: other', '-- description: d', 'SELECT 1'])).to.throw('/x/q.sql: name "other" must be lower-case words joined by "-" and equal the file name "q"');
      expect(file(['-- name: q', 'SELECT 1'])).to.throw('/x/q.sql: missing "-- description: ..." header line');
      expect(file(['-- name: q', '-- description: d', 'SELECT :a'])).to.throw('/x/q.sql: placeholder(s) :a have no "-- param:" declaration');
      expect(file(['-- name: q', '-- description: d', '-- param: a date  x', 'SELECT 1'])).to.throw('/x/q.sql: parameter(s) a are declared but never used');
      expect(file(['-- name: q', '-- description: d', '-- param: a float  x', 'SELECT :a'])).to.throw(
        '/x/q.sql:3: parameter a has unknown type "float"; use one of date, timestamp, integer, event_type, string',
      );
      expect(file(['-- name: q', '-- description: d', '-- param: a date = soon x', 'SELECT :a'])).to.throw('parameter a: "soon" is not a date (YYYY-MM-DD)');
    });
  });
});
