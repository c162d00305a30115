/**
 * The lake rebuilt from its raw archive alone, locally: the same Flink SQL jobs, in batch, over
 * every archived event in arrival order.
 *
 * - into a new `--out` (a disaster rebuild): the rebuilt lake gets the archive and fresh tables;
 * - into the lake of an earlier run (a backfill after a logic change): the jobs write tables of
 *   their own beside the live ones (`curated/backfill-<id>/`), the result is checked (row counts,
 *   distinct keys, a sample of rows against the live table), then published with one Iceberg
 *   commit per table that replaces its contents, after a publish record naming both; the previous
 *   state stays tagged `before-backfill-<id>` until it is dropped (`--drop-previous`) or restored
 *   (`--restore`). A publication interrupted between the two tables is finished by running the
 *   same command again (LakeBackfill.java says what is and is not atomic).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { projectRoot } from '../core/project';
import { readEvents } from '../functions/ingest/reader';
import { directoryArchive } from '../ops/archive';
import { loadStackFile } from '../stacks/file';
import { UserError } from '../core/user-error';
import { ensureRunnerJar, localJavaCommand, launchPlatformJobs } from './flink';
import { openLocalLake } from './lake';
import { listLakeFiles } from './lake-files';
import { LineWriter } from './line-writer';

export interface FromArchiveOptions {
  /** A local lake whose `raw/` is the history to rebuild from. */
  archive: string;
  /** A new directory (rebuild), or the output directory of an earlier local run (backfill). */
  out: string;
  stack: string;
  heap?: string;
  /** Rows of the live table compared with the backfill's. Default 100. */
  sample?: number;
  log?: (line: string) => void;
}

export interface TableCheck {
  live: number;
  rebuilt: number;
}

export interface FromArchiveReport {
  mode: 'rebuild' | 'backfill';
  archive: { objects: number; events: number };
  lake: string;
  tables: { events: TableCheck & { distinct_keys: number }; aggregates: TableCheck };
  /** Backfill only: live rows whose key the backfill also holds, and how many of those differ. */
  sample?: { compared: number; differing: number };
  /** Backfill only: the tag that keeps the previous state. */
  previous_tag?: string;
  /** Backfill only: the commands that roll the publication back, or forget the previous state. */
  commands?: { restore: string; drop_previous: string };
  /** Backfill only: set when this run finished an earlier run's interrupted publication instead of staging a new one. */
  finished_interrupted?: string;
  published?: Record<string, { previous_snapshot: number | null; new_snapshot: number; removed_files: number; added_files: number; records: number }>;
  seconds: number;
}

/** A publish record of the lake (LakeBackfill.java), as `LakeBackfill pending` lists it. */
export interface PublishRecord {
  id: string;
  state: 'publishing' | 'done' | 'rolled-back';
  tag: string;
  backfill: string;
  source: string;
  previous_snapshots: Record<string, number | null>;
}

export type TablePublication = { previous_snapshot: number | null; new_snapshot: number; removed_files: number; added_files: number; records: number };

/** Runs the lake backfill tool (LakeBackfill.java) and returns its JSON line; `extraClasspath` adds GlueCatalog and S3FileIO. */
export function lakeBackfill(args: string[], opts: { extraClasspath?: string; env?: NodeJS.ProcessEnv } = {}): string {
  ensureRunnerJar();
  const [command, ...rest] = localJavaCommand('dev.sluice.flink.LakeBackfill', args);
  if (opts.extraClasspath !== undefined) {
    const cp = rest.indexOf('-cp') + 1;
    rest[cp] = `${rest[cp]}:${opts.extraClasspath}`;
  }
  const run = spawnSync(command!, rest, { encoding: 'utf8', maxBuffer: 64 << 20, env: opts.env ?? process.env });
  if (run.error) throw new UserError(`cannot run java (${run.error.message}); install Java 17 and retry`);
  const refusal = /^sluice-lake-backfill: (.*)$/m.exec(run.stderr);
  if (run.status !== 0) throw new UserError(refusal ? refusal[1] : `the lake backfill tool failed: ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return run.stdout.trim().split('\n').pop() ?? '{}';
}

async function countArchive(archiveLake: string): Promise<{ objects: number; events: number }> {
  const store = directoryArchive(archiveLake);
  const objects = await store.list('raw/');
  let events = 0;
  for (const object of objects) for await (const record of readEvents(store.read(object.key), { format: 'jsonl' })) if (record.text !== undefined) events++;
  return { objects: objects.length, events };
}

/** Every archived event, in arrival order (hour partitions, then object names), as one JSON-lines file. */
async function archiveToEvents(archiveLake: string, path: string): Promise<{ objects: number; events: number }> {
  const store = directoryArchive(archiveLake);
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

function copyArchive(from: string, to: string): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(from, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        copyFileSync(join(from, rel), join(to, rel));
      }
    }
  };
  walk('raw');
}

const isEarlierRun = (out: string) => existsSync(join(out, 'report.json')) && existsSync(join(out, 'lake', 'curated'));

/** The rollback and forget commands of a local backfill, as the report and the messages name them. */
export function localPreviousCommands(out: string, tag: string): { restore: string; drop_previous: string } {
  return { restore: `npx sluice local --restore ${tag} --out ${out}`, drop_previous: `npx sluice local --drop-previous ${tag} --out ${out}` };
}

export async function tableFigures(lake: string): Promise<{ events: number; distinct: number; aggregates: number }> {
  const db = await openLocalLake(lake, listLakeFiles(lake));
  try {
    const [row] = (await db.runAndReadAll(`SELECT (SELECT count(*) FROM events), (SELECT count(DISTINCT (event_uuid, created_at)) FROM events), (SELECT count(*) FROM aggregates)`)).getRows();
    return { events: Number(row[0]), distinct: Number(row[1]), aggregates: Number(row[2]) };
  } finally {
    db.closeSync();
  }
}

/** Of `sample` live rows (lowest keys first, so the choice is repeatable), those the backfill holds too, and how many of them differ in any column. */
async function sampleRows(live: string, rebuilt: string, sample: number): Promise<{ compared: number; differing: number }> {
  return sampleRowsOfFiles(live, listLakeFiles(live).events.files, listLakeFiles(rebuilt).events.files, sample);
}

/** sampleRows over lists of Parquet files of the events table (the live ones may be copies fetched from S3). */
export async function sampleRowsOfFiles(dir: string, liveFiles: readonly string[], rebuiltFiles: readonly string[], sample: number): Promise<{ compared: number; differing: number }> {
  if (liveFiles.length === 0 || rebuiltFiles.length === 0) return { compared: 0, differing: 0 };
  const list = (files: readonly string[]) => `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  const db = await openLocalLake(dir, { events: { snapshot_id: null, committed_at_ms: null, records: 0, files: [] }, aggregates: { snapshot_id: null, committed_at_ms: null, records: 0, files: [] } });
  try {
    const [row] = (
      await db.runAndReadAll(
        `WITH l AS (SELECT * FROM read_parquet(${list(liveFiles)}) ORDER BY event_uuid, created_at LIMIT ${sample}),
              r AS (SELECT * FROM read_parquet(${list(rebuiltFiles)}))
         SELECT count(*), count(*) FILTER (WHERE l.payload IS DISTINCT FROM r.payload OR l.event_name IS DISTINCT FROM r.event_name
                  OR l.ingested_at IS DISTINCT FROM r.ingested_at OR l.source IS DISTINCT FROM r.source OR l.created_datetime IS DISTINCT FROM r.created_datetime)
         FROM l JOIN r USING (event_uuid, created_at)`,
      )
    ).getRows();
    return { compared: Number(row[0]), differing: Number(row[1]) };
  } finally {
    db.closeSync();
  }
}

/** Rebuilds (new `out`) or backfills (an earlier run's `out`) the lake's tables from the archive. */
export async function runFromArchive(opts: FromArchiveOptions): Promise<FromArchiveReport> {
  const started = process.hrtime.bigint();
  const log = opts.log ?? (() => undefined);
  const archive = resolve(opts.archive);
  if (!existsSync(join(archive, 'raw'))) throw new UserError(`--from-archive ${opts.archive} has no raw/ archive; give a lake directory (as sluice local writes it under <out>/lake)`);
  const out = resolve(opts.out);
  const backfill = isEarlierRun(out);
  if (!backfill && existsSync(out) && readdirSync(out).length > 0) {
    throw new UserError(
      `--out ${opts.out} is neither empty nor an earlier local run (no report.json and lake/curated); give a new directory to rebuild into, or an earlier run's directory to backfill`,
    );
  }
  const config = loadStackFile(opts.stack, projectRoot());
  const id = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const lake = join(out, 'lake');
  if (backfill) {
    const pending = JSON.parse(lakeBackfill(['pending', '--lake', lake])) as PublishRecord[];
    if (pending.length > 0) return finishInterrupted(pending[0], { archive, out, lake, started, log });
  }
  // A backfill writes tables of its own in the curated zone; a rebuild writes the lake's own.
  const target = backfill ? join(lake, 'curated', `backfill-${id}`) : lake;
  const work = join(out, `.from-archive-${id}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`reading the archive ${join(archive, 'raw')}`);
    const eventsPath = join(work, 'events.jsonl');
    const read = await archiveToEvents(archive, eventsPath);
    if (!backfill) copyArchive(archive, lake);
    log(`dedup-filter over ${read.events} archived events (${read.objects} objects) into ${target}`);
    const {
      summaries: [dedup, aggregate],
    } = launchPlatformJobs(eventsPath, work, target, config, { heap: opts.heap });
    await dedup;
    log('aggregate');
    await aggregate;
    const rebuilt = await tableFigures(target);
    if (rebuilt.distinct !== rebuilt.events) {
      throw new UserError(
        `the rebuilt events table holds ${rebuilt.events - rebuilt.distinct} duplicate (event_uuid, created_at) key(s); nothing was published, the rebuild is kept in ${target} for inspection`,
      );
    }
    const report: FromArchiveReport = {
      mode: backfill ? 'backfill' : 'rebuild',
      archive: read,
      lake,
      tables: { events: { live: rebuilt.events, rebuilt: rebuilt.events, distinct_keys: rebuilt.distinct }, aggregates: { live: rebuilt.aggregates, rebuilt: rebuilt.aggregates } },
      seconds: 0,
    };
    if (backfill) {
      const live = await tableFigures(lake);
      report.tables = { events: { live: live.events, rebuilt: rebuilt.events, distinct_keys: rebuilt.distinct }, aggregates: { live: live.aggregates, rebuilt: rebuilt.aggregates } };
      report.sample = await sampleRows(lake, target, opts.sample ?? 100);
      if (rebuilt.events === 0 && live.events > 0) {
        throw new UserError(`the backfill produced no events while the live table has ${live.events}; nothing was published (is the archive ${join(archive, 'raw')} the right one?)`);
      }
      report.previous_tag = `before-backfill-${id}`;
      report.commands = localPreviousCommands(opts.out, report.previous_tag);
      log(`publishing: one commit per table after the publish record; the previous state stays as tag ${report.previous_tag}`);
      try {
        report.published = JSON.parse(lakeBackfill(['publish', '--lake', lake, '--backfill', target, '--id', id, '--source', archive])) as FromArchiveReport['published'];
      } catch (err) {
        throw new UserError(`${(err as Error).message}\nthe publication of backfill ${id} stopped; run the same command again to finish it, or roll it back with: ${report.commands.restore}`);
      }
      log(`published; roll back with: ${report.commands.restore}; forget the previous state with: ${report.commands.drop_previous}`);
    }
    report.seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1000;
    writeFileSync(join(out, `from-archive-${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } catch (err) {
    if (!backfill) rmSync(lake, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Re-running a backfill whose publication was interrupted (between the two tables' commits, or
 * before the first): the same archive finishes that publication from its record and staged
 * tables, without running the jobs again; another archive is refused until it is finished or
 * rolled back.
 */
async function finishInterrupted(record: PublishRecord, ctx: { archive: string; out: string; lake: string; started: bigint; log: (line: string) => void }): Promise<FromArchiveReport> {
  const commands = localPreviousCommands(ctx.out, record.tag);
  if (resolve(record.source) !== ctx.archive) {
    throw new UserError(
      `the publication of backfill ${record.id} from ${record.source} into ${ctx.lake} was interrupted; finish it first with --from-archive ${record.source}, or roll it back with: ${commands.restore}`,
    );
  }
  ctx.log(`finishing the interrupted publication of backfill ${record.id} (staged in ${record.backfill})`);
  const published = JSON.parse(lakeBackfill(['publish', '--lake', ctx.lake, '--backfill', record.backfill, '--id', record.id, '--source', record.source])) as Record<string, TablePublication>;
  const live = await tableFigures(ctx.lake);
  const staged = await tableFigures(record.backfill);
  const report: FromArchiveReport = {
    mode: 'backfill',
    archive: await countArchive(ctx.archive),
    lake: ctx.lake,
    tables: { events: { live: live.events, rebuilt: staged.events, distinct_keys: staged.distinct }, aggregates: { live: live.aggregates, rebuilt: staged.aggregates } },
    previous_tag: record.tag,
    commands,
    finished_interrupted: record.id,
    published,
    seconds: Math.round(Number(process.hrtime.bigint() - ctx.started) / 1e6) / 1000,
  };
  writeFileSync(join(ctx.out, `from-archive-${record.id}.json`), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Drops (the files may then be expired) or restores the tagged previous state of a backfilled lake. */
export function previousState(out: string, action: 'drop' | 'restore', tag: string): void {
  const lake = join(resolve(out), 'lake');
  if (!existsSync(join(lake, 'curated'))) throw new UserError(`--out ${out} holds no local lake (no lake/curated); give the directory of the backfilled run`);
  lakeBackfill([action, '--lake', lake, '--tag', tag]);
}
