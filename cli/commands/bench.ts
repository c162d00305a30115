import { Command, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from '../../local/stage-clock';
import { loadStackFile } from '../../stacks/file';
import { projectRoot } from '../../core/project';
import { UserError } from '../../core/user-error';
import { checkOutputFile } from '../../local/output';
import { stageFigures } from '../lib/stages';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const ingestBench = () => require('../../local/bench/ingest') as typeof import('../../local/bench/ingest');
const localBench = () => require('../../local/bench/local') as typeof import('../../local/bench/local');
const flinkBench = () => require('../../local/bench/flink') as typeof import('../../local/bench/flink');
const hostileBench = () => require('../../local/bench/hostile') as typeof import('../../local/bench/hostile');
const replayBench = () => require('../../local/bench/replay') as typeof import('../../local/bench/replay');
const latencyBench = () => require('../../local/bench/latency') as typeof import('../../local/bench/latency');
const cliBench = () => require('../../local/bench/cli') as typeof import('../../local/bench/cli');
const machines = () => require('../../local/bench/machine') as typeof import('../../local/bench/machine');

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative whole number, got "${value}"`);
  return n;
}

function sizes(value: string): number[] {
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isInteger(n) || n <= 0)) throw new InvalidArgumentError(`expected two sizes in MiB such as "128,1024", got "${value}"`);
  return parts;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const progress = (p: Progress) => {
  if (p.done) log(`[${p.stage}] done: ${stageFigures(p.events, p.seconds)}`);
};
const FLINK_WORK_DIR = join(projectRoot(), '.sluice', 'bench', 'flink');

function writeJson(path: string | undefined, value: unknown): void {
  if (path === undefined) return;
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  log(`report: ${path}`);
}

/**
 * `sluice bench [ingest | flink | local | latency]`: each benchmark alone, or the first three in a
 * row with one JSON report. Every figure is printed with the machine it came from.
 */
export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    // `--json` after a subcommand belongs to the subcommand, not to `bench` itself (see cli/index.ts).
    .enablePositionalOptions()
    .description('Run the ingest, flink and local benchmarks (or one of them) and print the figures with the machine they came from')
    .option('--json <file>', 'where the combined JSON report goes', 'bench-report.json')
    .addHelpText('after', '\nWithout a subcommand all three run with their defaults (1M events for flink and local); this takes several minutes.')
    .action(async (opts: { json: string }) => {
      checkOutputFile(opts.json, '--json');
      const ingest = await ingestBench().benchIngest({ log });
      process.stdout.write(ingestBench().formatIngestBench(ingest));
      const flink = await flinkBench().benchFlink({ events: 1_000_000, seed: 1, workDir: FLINK_WORK_DIR, heap: '2g', log });
      process.stdout.write(flinkBench().formatFlinkBench(flink));
      const local = await localBench().benchLocal({ events: 1_000_000, seed: 1, heap: '2g', progress });
      process.stdout.write(localBench().formatLocalBench(local));
      writeJson(opts.json, { machine: machines().machine(), ingest, flink, local });
    });

  bench
    .command('ingest')
    .description('Validation + enrichment throughput per core vs JSON.parse alone, and peak memory of ingesting a large file')
    .option('--events <n>', 'generated events for the throughput run', count, 50000)
    .option('--rounds <n>', 'timed rounds (the median is reported)', count, 7)
    .option('--file-mb <n>', 'size of the JSON-lines file for the memory run, in MiB (0 skips it)', count, 100)
    .option('--clean', "remove the memory run's file (.sluice/bench/events-<n>mib.jsonl) afterwards instead of keeping it for the next run")
    .option('--hostile', 'instead: time hostile inputs (a gzip of spaces, one endless line, deep nesting, blank lines) at two sizes, to show the reader is linear')
    .option('--hostile-mib <a,b>', 'the two decompressed sizes of each hostile input, in MiB', sizes, [128, 1024])
    .option('--json <file>', 'also write the figures as JSON')
    .addHelpText('after', '\nThe memory run writes its file once under .sluice/bench/ in the repository and reuses it; --clean removes it.')
    .action(async (opts: { events: number; rounds: number; fileMb: number; clean?: boolean; hostile?: boolean; hostileMib: number[]; json?: string }) => {
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      if (opts.hostile) {
        const hostile = await hostileBench().benchHostile({ sizesMib: opts.hostileMib, log });
        process.stdout.write(hostileBench().formatHostileBench(hostile));
        writeJson(opts.json, hostile);
        return;
      }
      const result = await ingestBench().benchIngest({ events: opts.events, rounds: opts.rounds, fileMb: opts.fileMb, clean: opts.clean === true, log });
      process.stdout.write(ingestBench().formatIngestBench(result));
      writeJson(opts.json, result);
    });

  bench
    .command('flink')
    .description('Throughput of each Flink SQL job in the local mini-cluster (parallelism 1) on generated events, beside Nexmark per-core figures')
    .option('--events <n>', 'number of generated events', count, 1_000_000)
    .option('--seed <s>', 'generator seed', count, 1)
    .option('--input <file.jsonl>', 'use these enriched events instead of generating them')
    .option('--work-dir <dir>', 'where the input is kept and each run writes its outputs and lake (runs/<job>/, emptied before the run)', FLINK_WORK_DIR)
    .option('--heap <size>', 'maximum JVM heap of the mini-cluster', '2g')
    .option('--against <runner.jar>', "instead: each job's full run with this build and with another build's runner jar, alternately, to compare their CPU time and steady events per CPU-second")
    .option('--rounds <n>', 'with --against: full runs of each build per job', count, 3)
    .option('--json <file>', 'also write the results as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  npx sluice bench flink --events 1000000\n  npx sluice bench flink --input .sluice/bench/flink/events.jsonl --against ../before/sql/runner/target/sluice-flink-runner.jar --rounds 4',
    )
    .action(async (opts: { events: number; seed: number; input?: string; workDir: string; heap: string; json?: string; against?: string; rounds: number }) => {
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      if (opts.against !== undefined) {
        if (opts.rounds < 1) throw new UserError('--rounds must be at least 1: each build needs a full run to compare', 2);
        const comparison = await flinkBench().compareFlinkBuilds({ ...opts, against: opts.against, log });
        process.stdout.write(flinkBench().formatBuildComparison(comparison));
        writeJson(opts.json, comparison);
        return;
      }
      const report = await flinkBench().benchFlink({ ...opts, log });
      process.stdout.write(flinkBench().formatFlinkBench(report));
      writeJson(opts.json, report);
    });

  bench
    .command('latency')
    .description(
      'Producer -> queryable latency (p50, p95, p99, max) of the streaming platform over Kafka: events produced to ingest at a fixed rate, ' +
        'through the stream validator and both Flink jobs, until visible in the Iceberg tables events and aggregates',
    )
    .option('--events <n>', 'measured events (after a warm-up, before a tail that lets their windows close)', count, 3000)
    .option('--rate <n>', 'events per second produced to ingest, throughout', count, 100)
    .option('--checkpoint-interval <s>', "checkpoint (lake commit) interval in seconds (default: the stack's processing.checkpointIntervalSeconds)", count)
    .option('--stack <name>', 'stack whose processing config the jobs run with (windows, lateness, filters)', 'dev')
    .option('--seed <s>', 'generator seed', count, 1)
    .option('--heap <size>', 'maximum JVM heap of each mini-cluster', '512m')
    .option('--json <file>', 'also write the figures as JSON')
    .addHelpText(
      'after',
      '\nAn event counts from the moment it is sent to ingest to the moment DuckDB reads it from the events table (polled every 100 ms).\n' +
        'A window counts from its end (created_at is the produce time), so it includes the allowed lateness; it is also given from\n' +
        'its end plus the allowed lateness, when the watermark can first pass it. The machine and its load average are printed too.\n\n' +
        'Example:\n  npx sluice bench latency --events 3000 --rate 100 --checkpoint-interval 5',
    )
    .action(async (opts: { events: number; rate: number; checkpointInterval?: number; stack: string; seed: number; heap: string; json?: string }) => {
      const config = loadStackFile(opts.stack, projectRoot());
      const checkpointSeconds = opts.checkpointInterval ?? config.processing.checkpointIntervalSeconds;
      if (checkpointSeconds < 1 || opts.rate < 1 || opts.events < 1) throw new UserError('--events, --rate and --checkpoint-interval must each be at least 1; give larger values', 2);
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      const report = await latencyBench().benchLatency({ events: opts.events, rate: opts.rate, checkpointSeconds, config, seed: opts.seed, heap: opts.heap, log });
      process.stdout.write(latencyBench().formatLatencyBench(report));
      writeJson(opts.json, report);
    });

  bench
    .command('local')
    .description('sluice local end to end on generated events, with the time of each stage')
    .option('--events <n>', 'number of generated events', count, 1_000_000)
    .option('--seed <s>', 'generator seed', count, 1)
    .option('--heap <size>', 'maximum heap of each Flink mini-cluster', '2g')
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (opts: { events: number; seed: number; heap: string; json?: string }) => {
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      const report = await localBench().benchLocal({ ...opts, progress });
      process.stdout.write(localBench().formatLocalBench(report));
      writeJson(opts.json, report);
    });

  bench
    .command('replay')
    .description('How closely sluice replay holds its --rate, and its speed without one, on a generated archive replayed into a counting sink or a local Kafka topic')
    .option('--events <n>', 'archived events per run', count, 20000)
    .option('--rates <list>', 'requested rates in events per second, comma-separated', (v: string) => v.split(',').map(count), [2000, 10000])
    .option(
      '--target <kind>',
      "count: a sink that only counts (the replay's own cost); kafka: a topic of a local Kafka broker, through the publisher and producer of --target kafka://",
      (v: string) => {
        if (v !== 'count' && v !== 'kafka') throw new InvalidArgumentError(`expected count or kafka, got "${v}"`);
        return v;
      },
      'count',
    )
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (opts: { events: number; rates: number[]; target: 'count' | 'kafka'; json?: string }) => {
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      const report = await replayBench().benchReplay({ events: opts.events, rates: opts.rates, target: opts.target, log });
      process.stdout.write(replayBench().formatReplayBench(report));
      writeJson(opts.json, report);
    });
  bench
    .command('cli')
    .description('Start-up cost of the CLI: wall time and peak memory of sluice --help and of every sluice <command> --help, each a new process')
    .option('--runs <n>', 'runs of each command line (the median and the worst are reported)', count, 5)
    .option('--json <file>', 'also write the figures as JSON')
    .action((opts: { runs: number; json?: string }) => {
      if (opts.json !== undefined) checkOutputFile(opts.json, '--json');
      const tree = program.commands.map((c) => ({ name: c.name(), subcommands: c.commands.map((s) => s.name()) }));
      const report = cliBench().benchCli({ runs: Math.max(1, opts.runs), commands: cliBench().helpCommands(tree) });
      process.stdout.write(cliBench().formatCliBench(report));
      writeJson(opts.json, report);
    });
}
