import { Command, InvalidArgumentError } from 'commander';
import { join, relative } from 'node:path';
import { stageFigures } from '../lib/stages';
import type { LocalReport } from '../../local/report';
import { STAGES, type Progress } from '../../local/stage-clock';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const localRun = () => require('../../local/run') as typeof import('../../local/run');

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`expected a share from 0 to below 1 (e.g. 0.05), got "${value}"`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

function showProgress(p: Progress): void {
  if (p.seconds === 0) {
    process.stderr.write(`[${p.stage}] started\n`);
    return;
  }
  // The Flink stages count their events only when they finish.
  const figures = p.done || p.events > 0 ? stageFigures(p.events, p.seconds) : `${p.seconds.toFixed(2)} s`;
  process.stderr.write(`[${p.stage}] ${p.done ? 'done' : 'running'}: ${figures}\n`);
}

/** A shell word: quoted when it holds anything but the characters paths, dates and names use. */
const shellWord = (word: string) => (/^[A-Za-z0-9_=:.,\/@+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

/** The command that runs a named query of the report on its lake, with the values the run used. */
export function queryCommand(report: LocalReport, lake: string): string | undefined {
  const ran = Object.entries(report.queries).filter(([, q]) => q.skipped === undefined);
  const [name, query] = ran.find(([n]) => n === 'events-per-type-per-hour') ?? ran[0] ?? [];
  if (name === undefined || query === undefined) return undefined;
  return ['npx sluice query', name, '--local', shellWord(lake), ...Object.entries(query.params).map(([k, v]) => `--param ${shellWord(`${k}=${v}`)}`)].join(' ');
}

const SHOWN_ROWS = 5;

/** The summary table printed at the end of a run whose `--out` was `out`. */
export function formatReport(report: LocalReport, out: string): string {
  const lake = join(out, 'lake');
  const n = (v: number) => v.toLocaleString('en-US');
  const rows: [string, string][] = [
    ['events read', n(report.read)],
    ['valid', n(report.valid)],
    ['invalid', n(report.invalid)],
    ...Object.entries(report.invalid_by_reason)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, v]): [string, string] => [`  ${reason}`, n(v)]),
    ['duplicates removed', n(report.duplicates_removed)],
    ['filtered', n(report.filtered)],
    ['  excluded event type', n(report.filtered_by_rule.excluded_event_type)],
    ['  excluded event name', n(report.filtered_by_rule.excluded_event_name)],
    ['  future skew', n(report.filtered_by_rule.future_skew)],
    ['processed', n(report.processed)],
    ['late (left out of aggregates)', n(report.late)],
    ['aggregate rows', n(report.aggregate_rows)],
    ['Parquet files', n(report.parquet_files)],
    ['Parquet bytes', n(report.parquet_bytes)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const command = queryCommand(report, lake);
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v.padStart(12)}`);
  const stageLines = STAGES.filter((s) => report.stages[s] !== undefined).map((s) => {
    const f = report.stages[s]!;
    return `${s.padEnd(14)} ${stageFigures(f.events, f.seconds)}`;
  });
  const queries = Object.entries(report.queries).map(([name, q]) => {
    if (q.skipped !== undefined) return `-- ${name}: skipped, ${q.skipped}`;
    const header = q.columns.join(' | ');
    const cell = (v: string | null) => (v === null ? 'NULL' : v.length > 60 ? `${v.slice(0, 57)}...` : v);
    const body = q.rows.slice(0, SHOWN_ROWS).map((r) => r.map(cell).join(' | '));
    const more = q.rows.length > SHOWN_ROWS ? [`... ${q.rows.length - SHOWN_ROWS} more rows (all of them in report.json)`] : [];
    return [
      `-- ${name} (${
        Object.entries(q.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || 'no parameters'
      }): ${q.rows.length} rows`,
      header,
      ...body,
      ...more,
    ].join('\n');
  });
  return [
    'Summary',
    ...lines,
    '',
    'Stages',
    ...stageLines,
    `${'total'.padEnd(14)} ${report.total_seconds.toFixed(2)} s`,
    '',
    'Named queries on the local lake',
    ...queries,
    '',
    `lake:       ${lake} (raw/, curated/events/, curated/aggregates/, errors/)`,
    `error zone: ${report.error_zone === null ? 'empty: every event was valid' : `${join(out, relative(join(report.lake, '..'), report.error_zone))} (${n(report.invalid)} lines)`}`,
    `report:     ${join(out, 'report.json')}`,
    ...(command === undefined ? [] : ['', 'Query the lake:', `  ${command}`]),
    '',
  ].join('\n');
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number of 0 or more, got "${value}"`);
  return n;
}

interface LocalCommandOptions {
  input?: string;
  events: number;
  seed: number;
  duplicates: number;
  invalid: number;
  late: number;
  out: string;
  stack: string;
  source: string;
  heap: string;
  stream?: boolean;
  rate: number;
  checkpointInterval: number;
  killAfter?: string;
  killProcessAfter?: string;
  stopWhenDone?: boolean;
  fromArchive?: string;
  dropPrevious?: string;
  restore?: string;
}

/** `sluice local`: the whole platform end to end on this machine. */
export function registerLocal(program: Command): void {
  program
    .command('local')
    .description(
      "Run the whole platform on this machine: validate and enrich, dedup-filter and aggregate in a local Flink, the jobs write the lake's Iceberg tables, archive the raw events, run the named queries with DuckDB",
    )
    .option('--input <file>', 'events file (JSON lines, JSON array, or gzip of either); default: generated events')
    .option('--events <n>', 'generated events', count, 100000)
    .option('--seed <n>', 'generator seed: the same seed gives the same events', integer, 1)
    .option('--duplicates <share>', 'share of generated events that are re-sent copies', share, 0.05)
    .option('--invalid <share>', 'share of generated events that are invalid', share, 0.02)
    .option('--late <share>', 'share of generated events that arrive after their window closed', share, 0.01)
    .option('--out <dir>', 'output directory (lake/, errors/, report.json); replaced if it holds a previous run', 'out/local')
    .option('--stack <name>', 'stack whose validation and processing config to use', 'dev')
    .option('--source <name>', 'source name written into events and error lines', 'local')
    .option('--heap <size>', 'maximum heap of each Flink mini-cluster', '1g')
    .option(
      '--from-archive <lake>',
      "rebuild the tables from this lake's raw/ archive alone: into a new --out (disaster rebuild), or into an earlier run's --out (backfill: checked, then published in one commit per table after a publish record; an interrupted publication is finished by running the same command again)",
    )
    .option('--drop-previous <tag>', 'forget the state a backfill of --out replaced (the tag its report names)')
    .option('--restore <tag>', 'make the state a backfill of --out replaced current again (also rolls back an interrupted publication)')
    .option('--stream', 'stream instead: a local Kafka broker, events produced to ingest at --rate, the stream validator, both Flink jobs unbounded with checkpoints; runs until Ctrl-C')
    .option('--rate <n>', 'with --stream: events per second produced to ingest (0: as fast as possible)', nonNegative, 1000)
    .option('--checkpoint-interval <seconds>', 'with --stream: checkpoint (and commit) interval of both jobs', count, 5)
    .option(
      '--kill-after <n>',
      "with --stream: once n events are processed, fail a task of the dedup-filter job (at its next record), to watch Flink's restart strategy restore it from its last checkpoint",
    )
    .option('--kill-process-after <n>', "with --stream: kill the dedup-filter job's JVM once n events are processed, to watch it start again from its last retained checkpoint")
    .option('--stop-when-done', 'with --stream: stop once every produced event is through, instead of waiting for Ctrl-C')
    .addHelpText(
      'after',
      '\nThe output mirrors the S3 lake: lake/raw/dt=../hour=../ (the archive), the Iceberg tables lake/curated/events/ and\n' +
        'lake/curated/aggregates/ written by the Flink jobs, and errors/source=../dt=../ (the error zone, also lake/errors).\n' +
        'Nothing is left in --out when a run fails.\n\n' +
        'With --stream the same code runs unbounded over a Kafka broker on 127.0.0.1 (--out defaults to out/stream and\n' +
        'holds the broker data, checkpoints, the lake and the error zone); a status line shows per-stage rates, lag and each\n' +
        "job's last checkpoint (its commit) and restarts; Ctrl-C stops everything and prints the report (also stream-report.json).\n" +
        'Both jobs also commit the Iceberg tables lake/curated/events and lake/curated/aggregates on each checkpoint.\n\n' +
        'Examples:\n  npx sluice local\n  npx sluice local --events 1000000 --seed 7 --out /tmp/run\n  npx sluice local --input drops/day.jsonl.gz\n' +
        '  npx sluice local --stream --events 50000 --rate 500\n  npx sluice local --stream --events 20000 --rate 500 --kill-after 5000 --stop-when-done\n' +
        '  npx sluice local --from-archive out/local/lake --out out/rebuilt          # rebuild from the archive alone\n' +
        '  npx sluice local --from-archive out/local/lake --out out/local            # backfill the same lake after a logic change',
    )
    .action(async (opts: LocalCommandOptions) => {
      if (opts.stream) {
        const { runStreamCommand } = require('./local-stream') as typeof import('./local-stream');
        const records = (value: string | undefined) => (value === undefined ? undefined : count(value));
        await runStreamCommand({
          ...opts,
          out: opts.out === 'out/local' ? 'out/stream' : opts.out,
          killAfter: records(opts.killAfter),
          killProcessAfter: records(opts.killProcessAfter),
          stopWhenDone: opts.stopWhenDone === true,
        });
        return;
      }
      if (opts.dropPrevious !== undefined || opts.restore !== undefined) {
        const { previousState } = require('../../local/backfill') as typeof import('../../local/backfill');
        previousState(opts.out, opts.restore !== undefined ? 'restore' : 'drop', (opts.restore ?? opts.dropPrevious) as string);
        process.stderr.write(`${opts.restore !== undefined ? `restored ${opts.restore} in` : `dropped ${opts.dropPrevious} from`} ${join(opts.out, 'lake')}\n`);
        return;
      }
      if (opts.fromArchive !== undefined) {
        const { runFromArchive } = require('../../local/backfill') as typeof import('../../local/backfill');
        const report = await runFromArchive({ archive: opts.fromArchive, out: opts.out, stack: opts.stack, heap: opts.heap, log: (line) => process.stderr.write(`${line}\n`) });
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const report = await localRun().runLocal({ ...opts, progress: showProgress });
      process.stdout.write(formatReport(report, opts.out));
    });
}
