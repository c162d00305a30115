import { expect } from 'chai';
import { AthenaClient, CreateWorkGroupCommand, GetQueryExecutionCommand, GetQueryResultsCommand, ListQueryExecutionsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaQueryError, backoffDelays, runAthenaQuery, type AthenaSender } from '../../ops/athena';
import { findNamedQuery, renderQuery } from '../../core/named-queries';
import { buildFixtureLake } from '../support/lake-fixture';
import { runSluice } from '../support/cli';
import { startMoto } from '../support/moto';

const sluice = runSluice;

const LATEST_PARAMS = ['-p', 'event_type=payment', '-p', 'since_date=2026-03-17', '-p', 'limit=2'];

describe('sluice query', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'sluice-query-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('against moto server Athena API', () => {
    // moto runs no SQL: it records StartQueryExecution, walks each execution QUEUED -> RUNNING ->
    // SUCCEEDED on GetQueryExecution, and answers GetQueryResults with results queued through its
    // /moto-api/static/athena/query-results endpoint (one page, no NextToken, never FAILED).
    // Paging and failures are tested below with recorded response shapes.
    let moto: Awaited<ReturnType<typeof startMoto>>;
    const saved: Record<string, string | undefined> = {};
    const env = { AWS_ENDPOINT_URL_ATHENA: '', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: 'testing' };
    let client: AthenaClient;

    before(async () => {
      moto = await startMoto();
      env.AWS_ENDPOINT_URL_ATHENA = moto.endpoint;
      for (const [k, v] of Object.entries(env)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      client = new AthenaClient({ region: 'eu-west-1' });
      await client.send(new CreateWorkGroupCommand({ Name: 'sluice-dev-analysts' }));
    });
    after(async () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      client?.destroy();
      await moto?.stop();
    });

    it('starts the rendered query in the stack workgroup and database, waits for it, and prints and writes its rows', async () => {
      const column = (name: string) => ({ Name: name, Label: name, Type: 'varchar', CatalogName: 'hive', SchemaName: '', TableName: '', Nullable: 'UNKNOWN', CaseSensitive: true });
      const row = (...values: (string | null)[]) => ({ Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) });
      const queued = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
        method: 'POST',
        body: JSON.stringify({
          region: 'eu-west-1',
          results: [
            {
              column_info: [column('event_uuid'), column('event_subtype'), column('payload')],
              rows: [row('event_uuid', 'event_subtype', 'payload'), row('u-5', null, '{"a":"x,y"}'), row('u-2', 'order', '{}')],
            },
          ],
        }),
      });
      expect(queued.status).to.equal(201);
      const csv = join(work, 'out.csv');
      const run = await sluice(['query', 'latest-events', '--stack', 'dev', ...LATEST_PARAMS, '--csv', csv]);
      expect(run.stderr).to.equal('2 row(s), 0.0 MiB scanned in 0.0 s\n');
      expect(run.code).to.equal(0);
      expect(run.stdout).to.equal(
        ['event_uuid  event_subtype  payload', '----------  -------------  -----------', 'u-5         NULL           {"a":"x,y"}', 'u-2         order          {}', ''].join('\n'),
      );
      expect(readFileSync(csv, 'utf8')).to.equal('event_uuid,event_subtype,payload\r\nu-5,,"{""a"":""x,y""}"\r\nu-2,order,{}\r\n');

      const ids = (await client.send(new ListQueryExecutionsCommand({ WorkGroup: 'sluice-dev-analysts' }))).QueryExecutionIds ?? [];
      expect(ids).to.have.length(1);
      const execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: ids[0] }))).QueryExecution!;
      expect(execution.Query).to.equal(renderQuery(findNamedQuery('latest-events'), { event_type: 'payment', since_date: '2026-03-17', limit: '2' }));
      expect(execution.WorkGroup).to.equal('sluice-dev-analysts');
      expect(execution.QueryExecutionContext?.Database).to.equal('sluice_dev');
    });
  });

  describe('with recorded Athena response shapes', () => {
    const COLUMNS = [
      { Name: 'event_type', Label: 'event_type', Type: 'varchar' },
      { Name: 'n', Label: 'n', Type: 'bigint' },
    ];
    const row = (...values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });

    /** A client answering each command from a script, recording what it was sent. */
    function scripted(executions: object[], pages: object[]): AthenaSender & { sent: any[] } {
      const sent: any[] = [];
      return {
        sent,
        async send(command: any) {
          sent.push(command);
          if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' };
          if (command instanceof GetQueryExecutionCommand) return { QueryExecution: executions.shift() };
          if (command instanceof GetQueryResultsCommand) return pages.shift();
          throw new Error(`unexpected command ${command.constructor.name}`);
        },
      } as AthenaSender & { sent: any[] };
    }
    const query = { name: 'events-per-type-per-hour', sql: 'SELECT 1', workgroup: 'wg', database: 'db' };

    it('polls with doubling waits up to the maximum and pages through every result page', async () => {
      const waits: number[] = [];
      const client = scripted(
        [
          { Status: { State: 'QUEUED' } },
          { Status: { State: 'RUNNING' } },
          { Status: { State: 'RUNNING' } },
          { Status: { State: 'RUNNING' } },
          { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 3145728, EngineExecutionTimeInMillis: 1500 } },
        ],
        [
          { ResultSet: { Rows: [row('event_type', 'n'), row('account', '3')], ResultSetMetadata: { ColumnInfo: COLUMNS } }, NextToken: 't2' },
          { ResultSet: { Rows: [row('payment', '5')], ResultSetMetadata: { ColumnInfo: COLUMNS } }, NextToken: 't3' },
          { ResultSet: { Rows: [row('event_type', 'n')], ResultSetMetadata: { ColumnInfo: COLUMNS } } },
        ],
      );
      const result = await runAthenaQuery(client, query, { initialDelayMs: 100, maxDelayMs: 300, sleep: async (ms) => void waits.push(ms) });
      expect(waits).to.deep.equal([100, 200, 300, 300]);
      // Only the first page starts with the header; a later row equal to it is data.
      expect(result).to.deep.equal({
        columns: ['event_type', 'n'],
        rows: [
          ['account', '3'],
          ['payment', '5'],
          ['event_type', 'n'],
        ],
        statistics: { dataScannedBytes: 3145728, engineMillis: 1500 },
      });
      const start = client.sent[0].input;
      expect(start).to.deep.equal({ QueryString: 'SELECT 1', WorkGroup: 'wg', QueryExecutionContext: { Database: 'db', Catalog: 'AwsDataCatalog' } });
      expect(client.sent.filter((c) => c instanceof GetQueryResultsCommand).map((c) => c.input.NextToken)).to.deep.equal([undefined, 't2', 't3']);
    });

    it("shows Athena's error and the query's name when the query fails", async () => {
      const client = scripted(
        [
          {
            Status: {
              State: 'FAILED',
              StateChangeReason: "COLUMN_NOT_FOUND: line 3:8: Column 'evnt_type' cannot be resolved",
              AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: "COLUMN_NOT_FOUND: line 3:8: Column 'evnt_type' cannot be resolved" },
            },
          },
        ],
        [],
      );
      let error: unknown;
      await runAthenaQuery(client, query, { sleep: async () => undefined }).catch((e) => (error = e));
      expect(error).to.be.instanceOf(AthenaQueryError);
      expect((error as Error).message).to.equal(
        'named query "events-per-type-per-hour" failed in workgroup wg (error type 1006, category 2): ' + "COLUMN_NOT_FOUND: line 3:8: Column 'evnt_type' cannot be resolved [query execution q-1]",
      );
    });

    it('says when a query was cancelled, and gives up after the timeout naming the execution', async () => {
      const cancelled = scripted([{ Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } }], []);
      let message = '';
      await runAthenaQuery(cancelled, query, { sleep: async () => undefined }).catch((e: Error) => (message = e.message));
      expect(message).to.equal('named query "events-per-type-per-hour" was cancelled in workgroup wg: Query cancelled by user [query execution q-1]');
      const slow = scripted(
        Array.from({ length: 10 }, () => ({ Status: { State: 'RUNNING' } })),
        [],
      );
      await runAthenaQuery(slow, query, { initialDelayMs: 1000, maxDelayMs: 1000, timeoutMs: 3000, sleep: async () => undefined }).catch((e: Error) => (message = e.message));
      expect(message).to.equal('named query "events-per-type-per-hour" still RUNNING after 3 s [query execution q-1]; see it in the Athena console');
    });

    it('computes the backoff as doubling waits capped at the maximum', () => {
      expect(backoffDelays(200, 5000, 7)).to.deep.equal([200, 400, 800, 1600, 3200, 5000, 5000]);
    });
  });

  describe('--local', () => {
    let lake: string;
    before(async function () {
      this.timeout(600_000);
      lake = await buildFixtureLake();
    });

    it('runs the named query with DuckDB on a local lake and writes CSV', async () => {
      const csv = join(work, 'local.csv');
      const run = await sluice(['query', 'events-per-type-per-hour', '--local', lake, '-p', 'from_date=2026-03-17', '-p', 'to_date=2026-03-17', '--csv', csv]);
      expect(run.code).to.equal(0);
      expect(readFileSync(csv, 'utf8')).to.equal('event_type,event_hour,event_count\r\npayment,2026-03-17 10:00:00,2\r\naccount,2026-03-17 11:00:00,1\r\npayment,2026-03-17 23:00:00,1\r\n');
      expect(run.stdout.split('\n')[0]).to.equal('event_type  event_hour           event_count');
    });

    it('rejects bad input with the reason and the fix, exit code 1', async () => {
      const cases: [string[], string][] = [
        [
          ['query', 'latest-events', '--local', lake, '-p', "event_type=x' OR 1=1", '-p', 'since_date=2026-03-17'],
          'sluice query: parameter event_type: "x\' OR 1=1" is not an event type (lower-case letters, digits and _)\n',
        ],
        [
          ['query', 'latest-events', '--local', lake, '-p', 'event_type=x'],
          'sluice query: query latest-events needs --param since_date=<date> (Earliest event date (UTC) to look in (YYYY-MM-DD); bounds the scan)\n',
        ],
        [['query', 'latest-events', '-p', 'event_type=x'], 'sluice query: give exactly one of --stack <name> (Athena) or --local <dir> (DuckDB)\n'],
        [
          ['query', 'latest-events', '--local', join(lake, 'missing'), '-p', 'event_type=x'],
          `sluice query: local lake directory ${join(lake, 'missing')} does not exist; run sluice local first or pass the directory it wrote\n`,
        ],
        [['query', 'latest-events', '--stack', 'staging', '-p', 'event_type=x', '-p', 'since_date=2026-03-17'], ''],
      ];
      for (const [args, expected] of cases) {
        const run = await sluice(args);
        // Giving neither or both of --stack and --local is a usage error.
        expect(run.code, args.join(' ')).to.equal(args.includes('--stack') || args.includes('--local') ? 1 : 2);
        if (expected) expect(run.stderr, args.join(' ')).to.equal(expected);
        else expect(run.stderr, args.join(' ')).to.match(/^sluice query: stack "staging" has 1 configuration error:\n  - .*Pulumi\.staging\.yaml does not exist/);
      }
    });
  });
});
