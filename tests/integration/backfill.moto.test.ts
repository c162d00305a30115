import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateDatabaseCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { glueBackfill, glueLakeOf } from '../../local/cloud-backfill';
import { openLocalLake, queryLocalLake } from '../../local/lake';
import { loadStackFile } from '../../stacks/file';
import { motoClientConfig, useMoto } from '../support/moto';

const REPO = join(__dirname, '..', '..');
const SLUICE = join(REPO, 'cli', 'bin', 'sluice.js');
const LAKE_BUCKET = 'sluice-dev-111111111111-lake';
const DATABASE = 'sluice_dev';
const EVENTS_SQL = 'SELECT event_uuid, created_at, event_name, event_type, event_subtype, created_datetime, ingested_at, source, payload FROM events ORDER BY event_uuid, created_at';
const AGGREGATES_SQL = 'SELECT window_start, window_end, event_type, event_subtype, event_count FROM aggregates ORDER BY window_start, event_type, event_subtype';

type Rows = (string | null)[][];

const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

describe('sluice backfill against moto server (Glue catalog and S3, Iceberg GlueCatalog + S3FileIO)', function () {
  this.timeout(900_000);
  const moto = useMoto();
  let work: string;
  let s3: S3Client;
  let original: { events: Rows; aggregates: Rows };

  const env = () => ({ ...process.env, AWS_ENDPOINT_URL: moto().endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'eu-west-1' });
  const sluice = (args: string[], extraEnv: Record<string, string> = {}) => spawnSync(process.execPath, [SLUICE, ...args], { env: { ...env(), ...extraEnv }, encoding: 'utf8' });
  const backfillArgs = (...more: string[]) => ['backfill', '--stack', 'dev', '--work', join(work, 'backfill-work'), '--heap', '512m', ...more];

  /** The rows of the Glue tables now: their live data files (as Iceberg lists them) fetched from S3 and read with DuckDB. */
  async function glueRows(): Promise<{ events: Rows; aggregates: Rows; files: Record<string, string[]> }> {
    const lake = glueLakeOf(loadStackFile('dev', REPO), { endpoint: moto().endpoint });
    const previous = { ...process.env };
    Object.assign(process.env, env());
    let listed: Record<'events' | 'aggregates', { files: string[] }>;
    try {
      listed = JSON.parse(glueBackfill(lake, 'files')) as typeof listed;
    } finally {
      for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
        if (previous[key] === undefined) delete process.env[key];
        else process.env[key] = previous[key];
      }
    }
    const dir = mkdtempSync(join(work, 'read-'));
    const local: Record<string, string[]> = { events: [], aggregates: [] };
    for (const table of ['events', 'aggregates'] as const) {
      for (const [i, location] of listed[table].files.entries()) {
        const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location)!;
        const body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        const path = join(dir, `${table}-${i}.parquet`);
        writeFileSync(path, Buffer.concat(chunks));
        local[table].push(path);
      }
    }
    const db = await openLocalLake(dir, {
      events: { snapshot_id: null, committed_at_ms: null, records: 0, files: local.events },
      aggregates: { snapshot_id: null, committed_at_ms: null, records: 0, files: local.aggregates },
    });
    try {
      const read = async (sql: string) => (await db.runAndReadAll(sql)).getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
      return { events: await read(EVENTS_SQL), aggregates: await read(AGGREGATES_SQL), files: { events: listed.events.files, aggregates: listed.aggregates.files } };
    } finally {
      db.closeSync();
    }
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'sluice-backfill-moto-'));
    const run = spawnSync(process.execPath, [SLUICE, 'local', '--events', '2000', '--seed', '5', '--duplicates', '0.05', '--invalid', '0.02', '--late', '0.02', '--out', join(work, 'original')], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    const lake = join(work, 'original', 'lake');
    original = { events: (await queryLocalLake(lake, EVENTS_SQL)).rows, aggregates: (await queryLocalLake(lake, AGGREGATES_SQL)).rows };
    expect(original.events.length).to.be.above(1500);

    await moto().reset();
    const config = motoClientConfig(moto().endpoint);
    s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: LAKE_BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await new GlueClient(config).send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE } }));
    // The stack's archive: the local run's raw/ objects, as Firehose would have put them in the lake bucket.
    for (const file of walk(join(lake, 'raw'))) {
      await s3.send(new PutObjectCommand({ Bucket: LAKE_BUCKET, Key: relative(lake, file), Body: readFileSync(file) }));
    }
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('refuses a Glue database without the tables, naming the fix', () => {
    const run = sluice(backfillArgs());
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include(`sluice backfill: Glue database ${DATABASE} has no table events; recreate the stack's tables (make deploy STACK=dev) and run the backfill again`);
  });

  it('rebuilds events and aggregates into an empty Glue catalog from the S3 archive alone, equal to the originals', async () => {
    const run = sluice(backfillArgs('--create-missing-tables'));
    expect(run.status, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout);
    expect(report.mode).to.equal('rebuild');
    expect(report.archive.location).to.equal(`s3://${LAKE_BUCKET}`);
    expect(report.tables.events).to.deep.equal({ live: 0, rebuilt: original.events.length, distinct_keys: original.events.length });
    expect(report.published.events.previous_snapshot).to.equal(null);
    const table = await new GlueClient(motoClientConfig(moto().endpoint)).send(new GetTableCommand({ DatabaseName: DATABASE, Name: 'events' }));
    expect(table.Table?.Parameters?.table_type).to.equal('ICEBERG');
    expect(table.Table?.Parameters?.metadata_location).to.match(new RegExp(`^s3://${LAKE_BUCKET}/curated/events/metadata/`));

    const rows = await glueRows();
    for (const file of rows.files.events) expect(file).to.match(new RegExp(`^s3://${LAKE_BUCKET}/curated/events/data/.*/backfill-\\d{8}T\\d{6}-[^/]+\\.parquet$`));
    // Copied with SSE-KMS under the stack key (its alias), as tables.cloud.sql has the jobs write.
    const head = await s3.send(new HeadObjectCommand({ Bucket: LAKE_BUCKET, Key: rows.files.events[0].slice(`s3://${LAKE_BUCKET}/`.length) }));
    expect({ sse: head.ServerSideEncryption, key: head.SSEKMSKeyId }).to.deep.equal({ sse: 'aws:kms', key: 'arn:aws:kms:eu-west-1:111111111111:alias/sluice-dev' });
    expect(rows.events).to.deep.equal(original.events);
    expect(rows.aggregates).to.deep.equal(original.aggregates);
  });

  it('backfills the live Glue tables after a logic change, keeps the previous state, restores it', async () => {
    // The changed history stands in for a change of logic: the archive without payment events.
    const changed = join(work, 'changed');
    cpSync(join(work, 'original', 'lake', 'raw'), join(changed, 'raw'), { recursive: true });
    for (const file of walk(join(changed, 'raw'))) {
      const lines = gunzipSync(readFileSync(file))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.includes('"event_type":"payment"'));
      writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
    }
    const run = sluice(backfillArgs('--archive', changed));
    expect(run.status, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout);
    const withoutPayments = original.events.filter((row) => row[3] !== 'payment');
    expect(report.mode).to.equal('backfill');
    expect(report.tables.events).to.deep.equal({ live: original.events.length, rebuilt: withoutPayments.length, distinct_keys: withoutPayments.length });
    expect(report.sample.differing).to.equal(0);
    expect(report.sample.compared).to.be.above(0);
    expect(report.previous_tag).to.match(/^before-backfill-\d{8}T\d{6}$/);
    expect(report.commands).to.deep.equal({
      restore: `npx sluice backfill --stack dev --restore ${report.previous_tag}`,
      drop_previous: `npx sluice backfill --stack dev --drop-previous ${report.previous_tag}`,
    });
    expect((await glueRows()).events).to.deep.equal(withoutPayments);

    const restore = sluice(['backfill', '--stack', 'dev', '--restore', report.previous_tag]);
    expect(restore.status, restore.stderr).to.equal(0);
    const restored = await glueRows();
    expect(restored.events).to.deep.equal(original.events);
    expect(restored.aggregates).to.deep.equal(original.aggregates);
  });

  it('finishes a publication interrupted between the two tables by running the same command again', async () => {
    const changed = join(work, 'no-accounts');
    mkdirSync(changed);
    cpSync(join(work, 'original', 'lake', 'raw'), join(changed, 'raw'), { recursive: true });
    for (const file of walk(join(changed, 'raw'))) {
      const lines = gunzipSync(readFileSync(file))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.includes('"event_type":"account"'));
      writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
    }
    const crashed = sluice(backfillArgs('--archive', changed), { SLUICE_BACKFILL_CRASH_AFTER: 'events' });
    expect(crashed.status).to.equal(1);
    expect(crashed.stderr).to.match(
      /the publication of backfill \d{8}T\d{6} stopped; the staging lake stays in .*: run the same command again to finish it, or roll it back with: npx sluice backfill --stack dev --restore before-backfill-\d{8}T\d{6}/,
    );
    const half = await glueRows();
    const withoutAccounts = original.events.filter((row) => row[3] !== 'account');
    expect(half.events).to.deep.equal(withoutAccounts);
    expect(half.aggregates, 'aggregates is not published yet').to.deep.equal(original.aggregates);

    const finished = sluice(backfillArgs('--archive', changed));
    expect(finished.status, finished.stderr).to.equal(0);
    const report = JSON.parse(finished.stdout);
    expect(report.finished_interrupted).to.match(/^\d{8}T\d{6}$/);
    const after = await glueRows();
    expect(after.events).to.deep.equal(withoutAccounts);
    expect(after.aggregates.filter((row) => row[2] === 'account')).to.deep.equal([]);
    expect(after.aggregates).to.have.length(report.tables.aggregates.rebuilt);
  });
});
