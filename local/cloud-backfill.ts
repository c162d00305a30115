/**
 * A backfill (or a rebuild) of a deployed stack's lake, run from this machine: the stack's raw
 * archive (the lake bucket's raw/, or a local copy) is read in arrival order, both Flink SQL jobs
 * run in batch over it in a local mini-cluster into a staging lake on this disk (the same job SQL
 * and tables.local.sql as `sluice local --from-archive`), the result is checked against the live
 * tables of the stack's Glue catalog, and then published into them by LakeBackfill.java with
 * Iceberg's GlueCatalog and S3FileIO (the staged data files are copied under each table's S3
 * location, SSE-KMS with the stack key, then one overwrite commit per table after a publish record).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { bucketName, glueDatabaseName, physicalName } from '../core/naming';
import { projectRoot } from '../core/project';
import { UserError } from '../core/user-error';
import { readEvents } from '../functions/ingest/reader';
import type { ArchiveStore } from '../ops/archive';
import { loadStackFile } from '../stacks/file';
import type { SluiceConfig } from '../stacks/types';
import { lakeBackfill, sampleRowsOfFiles, tableFigures, type PublishRecord, type TablePublication } from './backfill';
import { launchPlatformJobs } from './flink';
import { listLakeFiles } from './lake-files';
import { LineWriter } from './line-writer';

/** The Iceberg warehouse of a stack's curated tables in its lake bucket (tables at `<warehouse>/<table>`). */
export const CLOUD_WAREHOUSE_PREFIX = 'curated';

export interface GlueLake {
  database: string;
  warehouse: string;
  region: string;
  kmsKey: string;
  /** An AWS emulator's endpoint for Glue and S3 (tests); the real services when absent. */
  endpoint?: string;
}

/**
 * The Glue lake of a stack, as tables.cloud.sql declares it to the jobs: the stack's Glue
 * database, the warehouse in its lake bucket, its region, and its KMS key by alias (S3 accepts an
 * alias ARN for SSE-KMS; infra/kms.ts names the alias after the stack).
 */
export function glueLakeOf(config: SluiceConfig, opts: { kmsKey?: string; endpoint?: string } = {}): GlueLake {
  const { id: account, region } = config.account;
  return {
    database: glueDatabaseName(config),
    warehouse: `s3://${bucketName(config, 'lake')}/${CLOUD_WAREHOUSE_PREFIX}`,
    region,
    kmsKey: opts.kmsKey ?? `arn:aws:kms:${region}:${account}:alias/${physicalName(config)}`,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
}

/** The lake arguments of LakeBackfill.java for a Glue lake. */
export function glueLakeArgs(lake: GlueLake): string[] {
  return ['--glue-database', lake.database, '--warehouse', lake.warehouse, '--region', lake.region, '--kms-key', lake.kmsKey, ...(lake.endpoint ? ['--endpoint', lake.endpoint] : [])];
}

function awsPaths(root = projectRoot()) {
  const dir = join(root, 'local', 'aws');
  return { dir, pom: join(dir, 'pom.xml'), classpath: join(dir, 'target', 'aws-classpath.txt') };
}

/** The AWS SDK of GlueCatalog and S3FileIO (iceberg-aws-bundle), resolved with Maven on first use and when local/aws/pom.xml changes. */
export function ensureAwsClasspath(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  const paths = awsPaths();
  if (!existsSync(paths.classpath) || statSync(paths.classpath).mtimeMs < statSync(paths.pom).mtimeMs) {
    log('resolving the AWS SDK of the Glue catalog (mvn -q -B package in local/aws); the first time downloads iceberg-aws-bundle from Maven Central');
    const build = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: paths.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (build.error) throw new UserError(`cannot run mvn (${build.error.message}); install Maven 3.8+ and Java 17, then retry`);
    if (build.status !== 0) throw new UserError(`resolving iceberg-aws-bundle failed (mvn exited ${build.status}):\n${(build.stdout + build.stderr).trim()}`);
    const now = new Date();
    utimesSync(paths.classpath, now, now);
  }
  return readFileSync(paths.classpath, 'utf8').trim();
}

/** LakeBackfill.java against a Glue lake. */
export function glueBackfill(lake: GlueLake, command: string, args: string[] = []): string {
  return lakeBackfill([command, ...glueLakeArgs(lake), ...args], { extraClasspath: ensureAwsClasspath() });
}

interface LiveTable {
  exists: boolean;
  snapshot_id: number | null;
  records: number;
  files: string[];
}

export interface CloudBackfillOptions {
  stack: string;
  /** Directory of the Pulumi.<stack>.yaml files. */
  dir?: string;
  /** The archive: the stack's lake bucket, or a local lake directory. */
  store: ArchiveStore;
  /** Reads the live tables' data files for the sample check. */
  s3: Pick<S3Client, 'send'>;
  lake: GlueLake;
  /** Staging lake and work files, kept until the publication is done. Default .sluice/backfill/<stack>. */
  work?: string;
  /** Live rows compared with the backfill's. Default 100. */
  sample?: number;
  /** Create a table the Glue database lacks (a catalog lost with its tables) instead of refusing. */
  createMissingTables?: boolean;
  heap?: string;
  log?: (line: string) => void;
}

export interface CloudBackfillReport {
  mode: 'rebuild' | 'backfill';
  stack: string;
  archive: { location: string; objects: number; events: number };
  catalog: { database: string; warehouse: string };
  tables: { events: { live: number; rebuilt: number; distinct_keys: number }; aggregates: { live: number; rebuilt: number } };
  sample: { compared: number; differing: number; live_files_read: number };
  previous_tag: string;
  commands: { restore: string; drop_previous: string };
  published: Record<string, TablePublication>;
  /** Set when this run finished an interrupted publication instead of staging a new one. */
  finished_interrupted?: string;
  report: string;
  seconds: number;
}

/** The rollback and forget commands of a stack's backfill. */
export function cloudPreviousCommands(stack: string, tag: string): { restore: string; drop_previous: string } {
  return { restore: `npx sluice backfill --stack ${stack} --restore ${tag}`, drop_previous: `npx sluice backfill --stack ${stack} --drop-previous ${tag}` };
}

/** Live data files read for the sample (the first ones by name): enough rows to compare, without copying the whole table here. */
const SAMPLE_FILES = 8;

async function download(s3: Pick<S3Client, 'send'>, location: string, path: string): Promise<void> {
  const match = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new UserError(`live data file ${location} is not an s3:// location; is the Glue database the stack's?`);
  const object = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  await pipeline(object.Body as Readable, createWriteStream(path));
}

async function archiveToEvents(store: ArchiveStore, path: string): Promise<{ objects: number; events: number }> {
  const objects = await store.list('raw/');
  const out = new LineWriter(path);
  let events = 0;
  for (const object of objects) {
    for await (const record of readEvents(store.read(object.key), { format: 'jsonl' })) {
      await out.write(record.text);
      events++;
    }
  }
  await out.close();
  return { objects: objects.length, events };
}

export async function runCloudBackfill(opts: CloudBackfillOptions): Promise<CloudBackfillReport> {
  const started = process.hrtime.bigint();
  const log = opts.log ?? (() => undefined);
  const config = loadStackFile(opts.stack, opts.dir ?? projectRoot());
  const workRoot = resolve(opts.work ?? join(projectRoot(), '.sluice', 'backfill', opts.stack));
  const lake = opts.lake;
  const seconds = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1000;

  const pending = JSON.parse(glueBackfill(lake, 'pending')) as PublishRecord[];
  if (pending.length > 0) {
    const record = pending[0];
    const commands = cloudPreviousCommands(opts.stack, record.tag);
    if (record.source !== opts.store.location || !existsSync(record.backfill)) {
      throw new UserError(
        `the publication of backfill ${record.id} from ${record.source} (staged in ${record.backfill}) into ${lake.database} was interrupted; ` +
          `finish it by running the same backfill again on the machine that holds the staged lake, or roll it back with: ${commands.restore}`,
      );
    }
    log(`finishing the interrupted publication of backfill ${record.id} (staged in ${record.backfill})`);
    const published = JSON.parse(glueBackfill(lake, 'publish', ['--backfill', record.backfill, '--id', record.id, '--source', record.source])) as Record<string, TablePublication>;
    const staged = await tableFigures(record.backfill);
    const report: CloudBackfillReport = {
      mode: Object.values(record.previous_snapshots).every((s) => s === null) ? 'rebuild' : 'backfill',
      stack: opts.stack,
      archive: { location: record.source, objects: 0, events: 0 },
      catalog: { database: lake.database, warehouse: lake.warehouse },
      tables: { events: { live: staged.events, rebuilt: staged.events, distinct_keys: staged.distinct }, aggregates: { live: staged.aggregates, rebuilt: staged.aggregates } },
      sample: { compared: 0, differing: 0, live_files_read: 0 },
      previous_tag: record.tag,
      commands,
      published,
      finished_interrupted: record.id,
      report: join(workRoot, `${record.id}.json`),
      seconds: seconds(),
    };
    writeFileSync(report.report, `${JSON.stringify(report, null, 2)}\n`);
    rmSync(join(workRoot, record.id), { recursive: true, force: true });
    return report;
  }

  log(`reading the live tables of Glue database ${lake.database}`);
  const live = JSON.parse(glueBackfill(lake, 'files')) as Record<'events' | 'aggregates', LiveTable>;
  if ((!live.events.exists || !live.aggregates.exists) && !opts.createMissingTables) {
    throw new UserError(
      `Glue database ${lake.database} has no table ${!live.events.exists ? 'events' : 'aggregates'}; recreate the stack's tables (make deploy STACK=${opts.stack}) and run the backfill again`,
    );
  }

  const id = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const work = join(workRoot, id);
  const staged = join(work, 'lake');
  mkdirSync(work, { recursive: true });
  let keepWork = false;
  try {
    log(`reading the archive ${opts.store.location} raw/`);
    const eventsPath = join(work, 'events.jsonl');
    const read = await archiveToEvents(opts.store, eventsPath);
    if (read.events === 0) throw new UserError(`${opts.store.location} holds no archived events under raw/; check the stack (or --archive)`);
    log(`dedup-filter over ${read.events} archived events (${read.objects} objects) into the staging lake ${staged}`);
    const {
      summaries: [dedup, aggregate],
    } = launchPlatformJobs(eventsPath, work, staged, config, { heap: opts.heap });
    await dedup;
    log('aggregate');
    await aggregate;
    rmSync(eventsPath, { force: true });
    const rebuilt = await tableFigures(staged);
    if (rebuilt.distinct !== rebuilt.events) {
      keepWork = true;
      throw new UserError(
        `the backfill's events table holds ${rebuilt.events - rebuilt.distinct} duplicate (event_uuid, created_at) key(s); nothing was published, the staging lake is kept in ${staged}`,
      );
    }

    if (rebuilt.events === 0 && live.events.records > 0) {
      throw new UserError(`the backfill produced no events while the live table has ${live.events.records}; nothing was published (is ${opts.store.location} the right archive?)`);
    }
    const liveSample = live.events.files.slice(0, SAMPLE_FILES);
    const fetched: string[] = [];
    mkdirSync(join(work, 'live-sample'), { recursive: true });
    for (const [i, location] of liveSample.entries()) {
      const path = join(work, 'live-sample', `${i}.parquet`);
      await download(opts.s3, location, path);
      fetched.push(path);
    }
    const sample = await sampleRowsOfFiles(work, fetched, listLakeFiles(staged).events.files, opts.sample ?? 100);

    const tag = `before-backfill-${id}`;
    const commands = cloudPreviousCommands(opts.stack, tag);
    const mode = live.events.records === 0 && live.aggregates.records === 0 ? 'rebuild' : 'backfill';
    log(`publishing into ${lake.database}: the staged files copied under ${lake.warehouse}, then one commit per table after the publish record; the previous state stays as tag ${tag}`);
    let published: Record<string, TablePublication>;
    try {
      keepWork = true;
      published = JSON.parse(glueBackfill(lake, 'publish', ['--backfill', staged, '--id', id, '--source', opts.store.location, ...(opts.createMissingTables ? ['--create-missing'] : [])])) as Record<
        string,
        TablePublication
      >;
    } catch (err) {
      throw new UserError(
        `${(err as Error).message}\nthe publication of backfill ${id} stopped; the staging lake stays in ${staged}: run the same command again to finish it, or roll it back with: ${commands.restore}`,
      );
    }
    keepWork = false;
    log(`published; roll back with: ${commands.restore}; forget the previous state with: ${commands.drop_previous}`);
    const report: CloudBackfillReport = {
      mode,
      stack: opts.stack,
      archive: { location: opts.store.location, ...read },
      catalog: { database: lake.database, warehouse: lake.warehouse },
      tables: { events: { live: live.events.records, rebuilt: rebuilt.events, distinct_keys: rebuilt.distinct }, aggregates: { live: live.aggregates.records, rebuilt: rebuilt.aggregates } },
      sample: { ...sample, live_files_read: fetched.length },
      previous_tag: tag,
      commands,
      published,
      report: join(workRoot, `${id}.json`),
      seconds: seconds(),
    };
    writeFileSync(report.report, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    // The staging lake outlives a publication that stopped: running the command again finishes it from there.
    if (!keepWork) rmSync(work, { recursive: true, force: true });
  }
}

/** Restores or forgets the tagged previous state of a stack's backfilled tables. */
export function cloudPreviousState(lake: GlueLake, action: 'restore' | 'drop', tag: string): void {
  glueBackfill(lake, action, ['--tag', tag]);
}
