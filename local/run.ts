/**
 * The whole platform on one machine: the ingestion functions' validation code, the Flink SQL jobs
 * in a local mini-cluster writing the lake's Iceberg tables through a local catalog, the raw
 * archive in the S3 layout, and the analysts' named queries on it with DuckDB. This file orders
 * the stages; each stage's work lives in its own module.
 */
import { createReadStream, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { errorKey } from '../core/error-zone';
import { loadRegistry } from '../core/events/registry';
import { createContext } from '../core/events/validate';
import { projectRoot } from '../core/project';
import { ingestFile, type IngestCounts } from '../functions/ingest/pipeline';
import { loadStackFile } from '../stacks/file';
import type { SluiceConfig } from '../stacks/types';
import { filterBreakdown } from './filter-breakdown';
import { launchPlatformJobs, type FlinkJobs } from './flink';
import { acceptedAt } from './generator';
import { generateInChild, type GenerationProcess } from './generator-process';
import { checkInput } from './input';
import { undoOnInterrupt } from './interrupt';
import { RawArchiveWriter } from './lake';
import { runNamedQueries } from './lake-queries';
import { LineWriter } from './line-writer';
import { prepareOutput } from './output';
import { parquetFiles, type LocalReport } from './report';
import { round, StageClock, type Progress } from './stage-clock';

export interface LocalOptions {
  /** Output directory: receives `lake/`, `errors/` and `report.json`. */
  out: string;
  /** Events file (JSON lines, JSON array, or gzip of either); without it, events are generated. */
  input?: string;
  /** Generator settings, used when there is no `input`. */
  events: number;
  seed: number;
  duplicates: number;
  invalid: number;
  late: number;
  /** The stack whose validation and processing config the run uses. */
  stack: string;
  /** Source name written into every event and error line. */
  source: string;
  /** Maximum heap of each Flink mini-cluster. */
  heap?: string;
  progress?: (update: Progress) => void;
}

/** Runs the whole flow and returns the report (also written to `<out>/report.json`). */
export async function runLocal(opts: LocalOptions): Promise<LocalReport> {
  if (opts.input !== undefined) checkInput(opts.input);
  const config = loadStackFile(opts.stack, projectRoot());
  const output = prepareOutput(opts.out);
  const done = undoOnInterrupt(output.abandon);
  try {
    const report = await runStages(opts, config, output.scratch, output.target);
    writeFileSync(join(output.scratch, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    output.finish();
    return report;
  } catch (err) {
    output.abandon();
    throw err;
  } finally {
    done();
  }
}

/**
 * Runs every stage in `dir`, which becomes `finalDir` when the run succeeds: paths in the report
 * name that, and so does the lake's Iceberg metadata, which records files by absolute path.
 */
async function runStages(opts: LocalOptions, config: SluiceConfig, dir: string, finalDir: string): Promise<LocalReport> {
  const started = process.hrtime.bigint();
  const work = join(dir, '.work');
  // The accepted events, and the marker that says no more will be appended to them.
  const events = { path: join(work, 'events.jsonl'), complete: join(work, 'events.jsonl.complete') };
  const paths = { work, lake: join(dir, 'lake'), lakePath: join(finalDir, 'lake'), events };
  mkdirSync(paths.work, { recursive: true });
  mkdirSync(paths.lake, { recursive: true });
  // Generated events are accepted at the end of their own time span, known before the first one is
  // made, so that a run is repeatable; a real file is accepted now, as the ingestion functions would.
  const generatorOptions = { events: opts.events, seed: opts.seed, duplicates: opts.duplicates, invalid: opts.invalid, late: opts.late };
  const ingestedAt = opts.input === undefined ? acceptedAt(generatorOptions) : new Date();
  // dedup-filter reads the accepted events as they are appended to the events file, as it reads
  // the ingest stream in the cloud, and ends once the file is marked complete; aggregate then runs
  // in the same JVM. The generator runs in a child process, and this one accepts its events as
  // they come.
  writeFileSync(events.path, '');
  const flink = launchPlatformJobs(events.path, work, paths.lakePath, config, { heap: opts.heap }, { inputCompleteWhen: events.complete });
  const generation = opts.input === undefined ? generateInChild(generatorOptions) : undefined;
  try {
    return await runStagesWith({ flink, generation, ingestedAt }, paths, started, opts, config, dir, finalDir);
  } catch (err) {
    generation?.stop();
    flink.stop();
    throw err;
  }
}

async function runStagesWith(
  { flink, generation, ingestedAt }: { flink: FlinkJobs; generation?: GenerationProcess; ingestedAt: Date },
  { work, lake, lakePath, events }: { work: string; lake: string; lakePath: string; events: { path: string; complete: string } },
  started: bigint,
  opts: LocalOptions,
  config: SluiceConfig,
  dir: string,
  finalDir: string,
): Promise<LocalReport> {
  const clock = new StageClock(opts.progress);
  const errorsRelative = errorKey(opts.source, ingestedAt, 'local', 0);
  // The raw archive is written while events are accepted, as the archive delivery stream takes
  // them from the ingest stream, from the arrival time stamped on them: no second pass that reads
  // and parses every event again, and gzip runs in libuv's thread pool beside ingestion on the main
  // thread. The 'lake' stage spans it, from the first event to the last archive file closed.
  const archive = new RawArchiveWriter(lake, { batch: 'local' });
  const ingestedMs = ingestedAt.getTime();
  let handled = 0;
  const generating =
    generation &&
    clock.run('generate', async (tick) => {
      // The lines reach ingestion as they are made: the count accepted so far is the progress.
      const heartbeat = setInterval(() => tick(handled), 1000);
      try {
        const stats = await generation.stats;
        return { result: stats, events: stats.lines };
      } finally {
        clearInterval(heartbeat);
      }
    });
  generating?.catch(() => undefined);
  const ingesting = clock.run('ingest', async (tick) => {
    const ctx = createContext({ source: opts.source, registry: loadRegistry(), unknownEventNames: config.validation.unknownEventNames, ingestedAt });
    // Every accepted event arrives at ingestedAt, so the archive takes the events file's bytes as they
    // are, 1 MiB at a time, and each line is encoded once for both.
    const valid = new LineWriter(events.path, { chunkChars: 1 << 20, also: (chunk, lines) => archive.addLines(chunk, lines, ingestedMs) });
    mkdirSync(dirname(join(dir, errorsRelative)), { recursive: true });
    const errors = new LineWriter(join(dir, errorsRelative));
    const result: IngestCounts = await ingestFile(generation ? generation.lines : createReadStream(opts.input!), {
      ctx,
      objectKey: generation ? 'generated.jsonl' : basename(opts.input!),
      sinks: {
        publish: (entry) => {
          tick(++handled);
          return valid.write(entry.data);
        },
        reject: (line) => {
          tick(++handled);
          return errors.write(line);
        },
      },
    });
    await Promise.all([valid.close(), errors.close()]);
    writeFileSync(events.complete, '');
    if (result.invalid === 0) rmSync(join(dir, errorsRelative));
    return { result, events: result.records };
  });
  const archiving = clock.run('lake', async () => {
    try {
      await ingesting;
    } finally {
      await archive.close();
    }
    return { result: undefined, events: archive.result().rows };
  });
  const [dedupSummary, aggregateSummary] = flink.summaries;
  // dedup-filter runs beside ingestion.
  const deduplicating = clock.run('dedup_filter', async () => {
    const [summary, { valid }] = await Promise.all([dedupSummary, ingesting]);
    return { result: summary, events: valid };
  });
  const accepting = Promise.all([ingesting, archiving, generating]);
  // Whichever fails first is the run's error: a job that fails while events are still accepted
  // ends the run at once (runStages stops the generator), instead of after events nobody will read.
  const [counts, , generated] = await Promise.race([accepting, deduplicating.then(() => accepting)]);
  if (generated && generated.lines !== counts.records) {
    throw new Error(`the generator wrote ${generated.lines} lines but ${counts.records} were read; run again, and report it if it repeats`);
  }
  // The error zone is `errors/` of the output, and the lake's own `errors/` zone points at it.
  symlinkSync(relative(lake, join(dir, 'errors')), join(lake, 'errors'));

  // DuckDB counts the filter breakdown on its own threads while the Flink jobs run; the handler
  // keeps a failure from being reported as unhandled before it is awaited below.
  const breakingDown = filterBreakdown(events.path, config);
  breakingDown.catch(() => undefined);

  const dedup = await deduplicating;
  const processed = dedup.outputs.processed.records;
  const aggregate = await clock.run('aggregate', async () => ({ result: await aggregateSummary, events: processed }));

  const breakdown = await breakingDown;
  const queries = await clock.run('queries', async () => {
    // The last job's summary lists both tables' live files, as they are now.
    const outcomes = await runNamedQueries(lakePath, aggregate.lake.tables);
    return { result: outcomes, events: processed };
  });

  const parquet = parquetFiles(join(lake, 'curated'));
  rmSync(work, { recursive: true, force: true });
  return {
    input: opts.input === undefined ? { kind: 'generated', seed: opts.seed } : { kind: 'file', path: resolve(opts.input) },
    stack: opts.stack,
    source: opts.source,
    ingested_at: ingestedAt.toISOString(),
    read: counts.records,
    valid: counts.valid,
    invalid: counts.invalid,
    invalid_by_reason: counts.invalidByReason as Record<string, number>,
    duplicates_removed: counts.valid - breakdown.distinct,
    filtered: breakdown.distinct - processed,
    filtered_by_rule: breakdown.byRule,
    processed,
    late: aggregate.outputs['late-events'].records,
    aggregate_rows: aggregate.outputs.aggregates.records,
    parquet_files: parquet.files,
    parquet_bytes: parquet.bytes,
    stages: clock.stages,
    total_seconds: round(Number(process.hrtime.bigint() - started) / 1e9, 3),
    queries,
    lake: lakePath,
    error_zone: counts.invalid > 0 ? join(finalDir, errorsRelative) : null,
    ...(generated ? { generated } : {}),
  };
}
