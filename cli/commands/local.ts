import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { FlinkRunError } from '../../local/flink';
import { LocalRunError } from '../../local/errors';
import type { LocalReport } from '../../local/report';
import { runLocal } from '../../local/run';
import { STAGES, type Progress } from '../../local/stage-clock';
import { ConfigError } from '../../stacks/load';

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
  const rate = p.seconds > 0 ? Math.round(p.events / p.seconds) : 0;
  if (p.seconds === 0) {
    process.stderr.write(`[${p.stage}] started\n`);
    return;
  }
  // The Flink stages count their events only when they finish.
  const counted = p.done || p.events > 0 ? `${p.events.toLocaleString('en-US')} events, ` : '';
  process.stderr.write(`[${p.stage}] ${p.done ? 'done' : 'running'}: ${counted}${p.seconds.toFixed(1)} s${rate > 0 ? `, ${rate.toLocaleString('en-US')} events/s` : ''}\n`);
}

const SHOWN_ROWS = 5;

/** The summary table printed at the end of a run. */
export function formatReport(report: LocalReport, reportPath: string): string {
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
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v.padStart(12)}`);
  const stageLines = STAGES.filter((s) => report.stages[s] !== undefined).map((s) => {
    const f = report.stages[s]!;
    return `${s.padEnd(14)} ${f.seconds.toFixed(2).padStart(8)} s  ${n(f.events).padStart(12)} events  ${n(f.events_per_second).padStart(10)} events/s`;
  });
  const queries = Object.entries(report.queries).map(([name, q]) => {
    const header = q.columns.join(' | ');
    const cell = (v: string | null) => (v === null ? 'NULL' : v.length > 60 ? `${v.slice(0, 57)}...` : v);
    const body = q.rows.slice(0, SHOWN_ROWS).map((r) => r.map(cell).join(' | '));
    const more = q.rows.length > SHOWN_ROWS ? [`... ${q.rows.length - SHOWN_ROWS} more rows (all of them in report.json)`] : [];
    return [`-- ${name} (${Object.entries(q.params).map(([k, v]) => `${k}=${v}`).join(', ') || 'no parameters'}): ${q.rows.length} rows`, header, ...body, ...more].join('\n');
  });
  return [
    'Summary',
    ...lines,
    '',
    'Stages',
    ...stageLines,
    `${'total'.padEnd(14)} ${report.total_seconds.toFixed(2).padStart(8)} s`,
    '',
    'Named queries on the local lake',
    ...queries,
    '',
    `report: ${reportPath}`,
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
  stopWhenDone?: boolean;
}

/** `sluice local`: the whole platform end to end on this machine. */
export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('Run the whole platform on this machine: validate and enrich, dedup-filter and aggregate in a local Flink, write the lake with DuckDB, run the named queries')
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
    .option('--stream', 'stream instead: a local Kafka broker, events produced to ingest at --rate, the stream validator, both Flink jobs unbounded with checkpoints; runs until Ctrl-C')
    .option('--rate <n>', 'with --stream: events per second produced to ingest (0: as fast as possible)', nonNegative, 1000)
    .option('--checkpoint-interval <seconds>', 'with --stream: checkpoint (and commit) interval of both jobs', count, 5)
    .option('--kill-after <n>', 'with --stream: kill the dedup-filter job once n events are processed, to watch it recover from its checkpoint')
    .option('--stop-when-done', 'with --stream: stop once every produced event is through, instead of waiting for Ctrl-C')
    .addHelpText(
      'after',
      '\nThe output mirrors the S3 lake: lake/raw/dt=../hour=../, lake/curated/events/event_type=../created_date=../,\n' +
        'lake/curated/aggregates/window_date=../ (Parquet), and errors/source=../dt=../ (the error zone, also lake/errors).\n' +
        'Nothing is left in --out when a run fails.\n\n' +
        'With --stream the same code runs unbounded over a Kafka broker on 127.0.0.1 (--out defaults to out/stream and\n' +
        'holds the broker data, checkpoints and error zone); a status line shows per-stage rates, lag and each job\'s\n' +
        'last checkpoint (its commit); Ctrl-C stops everything and prints the report (also stream-report.json).\n\n' +
        'Examples:\n  npx sluice local\n  npx sluice local --events 1000000 --seed 7 --out /tmp/run\n  npx sluice local --input drops/day.jsonl.gz\n' +
        '  npx sluice local --stream --events 50000 --rate 500\n  npx sluice local --stream --events 20000 --rate 500 --kill-after 5000 --stop-when-done',
    )
    .action(async (opts: LocalCommandOptions) => {
      try {
        if (opts.stream) {
          const { runStreamCommand } = await import('./local-stream');
          await runStreamCommand({ ...opts, out: opts.out === 'out/local' ? 'out/stream' : opts.out, killAfter: opts.killAfter === undefined ? undefined : count(opts.killAfter), stopWhenDone: opts.stopWhenDone === true });
          return;
        }
        const report = await runLocal({ ...opts, progress: showProgress });
        process.stdout.write(formatReport(report, join(opts.out, 'report.json')));
      } catch (err) {
        // The streaming errors are matched by name: their modules load only with --stream.
        const streaming = err instanceof Error && ['KafkaBrokerError', 'StreamJobError'].includes(err.name);
        if (err instanceof LocalRunError || err instanceof ConfigError || err instanceof FlinkRunError || err instanceof InvalidArgumentError || streaming) {
          process.stderr.write(`sluice local: ${(err as Error).message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
