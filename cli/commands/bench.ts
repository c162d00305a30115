import { Command, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchIngest, formatIngestBench } from '../../local/bench/ingest';
import { benchHostile, formatHostileBench } from '../../local/bench/hostile';
import { benchLocal, formatLocalBench } from '../../local/bench/local';
import { benchFlink, formatFlinkBench } from '../../local/bench/flink';
import { benchReplay, formatReplayBench } from '../../local/bench/replay';
import type { Progress } from '../../local/stage-clock';
import { machine } from '../../local/bench/machine';
import { projectRoot } from '../../core/project';

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
  if (p.done) log(`[${p.stage}] ${p.events.toLocaleString('en-US')} events in ${p.seconds.toFixed(1)} s`);
};
const FLINK_WORK_DIR = join(projectRoot(), '.sluice', 'bench', 'flink');

function writeJson(path: string | undefined, value: unknown): void {
  if (path !== undefined) writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `sluice bench [ingest | flink | local]`: each benchmark alone, or all three in a row with one
 * JSON report. Every figure is printed with the machine it came from.
 */
export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('Run the ingest, flink and local benchmarks (or one of them) and print the figures with the machine they came from')
    .option('--json <file>', 'where the combined JSON report goes', 'bench-report.json')
    .addHelpText('after', '\nWithout a subcommand all three run with their defaults (1M events for flink and local); this takes several minutes.')
    .action(async (opts: { json: string }) => {
      const ingest = await benchIngest({ log });
      process.stdout.write(formatIngestBench(ingest));
      const flink = await benchFlink({ events: 1_000_000, seed: 1, workDir: FLINK_WORK_DIR, heap: '2g', log });
      process.stdout.write(formatFlinkBench(flink));
      const local = await benchLocal({ events: 1_000_000, seed: 1, heap: '2g', progress });
      process.stdout.write(formatLocalBench(local));
      writeJson(opts.json, { machine: machine(), ingest, flink, local });
      log(`report: ${opts.json}`);
    });

  bench
    .command('ingest')
    .description('Validation + enrichment throughput per core vs JSON.parse alone, and peak memory of ingesting a large file')
    .option('--events <n>', 'generated events for the throughput run', count, 50000)
    .option('--rounds <n>', 'timed rounds (the median is reported)', count, 7)
    .option('--file-mb <n>', 'size of the JSON-lines file for the memory run, in MiB (0 skips it)', count, 100)
    .option('--hostile', 'instead: time hostile inputs (a gzip of spaces, one endless line, deep nesting, blank lines) at two sizes, to show the reader is linear')
    .option('--hostile-mib <a,b>', 'the two decompressed sizes of each hostile input, in MiB', sizes, [128, 1024])
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (opts: { events: number; rounds: number; fileMb: number; hostile?: boolean; hostileMib: number[]; json?: string }) => {
      if (opts.hostile) {
        const hostile = await benchHostile({ sizesMib: opts.hostileMib, log });
        process.stdout.write(formatHostileBench(hostile));
        writeJson(opts.json, hostile);
        return;
      }
      const result = await benchIngest({ events: opts.events, rounds: opts.rounds, fileMb: opts.fileMb, log });
      process.stdout.write(formatIngestBench(result));
      writeJson(opts.json, result);
    });

  bench
    .command('flink')
    .description('Throughput of each Flink SQL job in the local mini-cluster (parallelism 1) on generated events, beside Nexmark per-core figures')
    .option('--events <n>', 'number of generated events', count, 1_000_000)
    .option('--seed <s>', 'generator seed', count, 1)
    .option('--input <file.jsonl>', 'use these enriched events instead of generating them')
    .option('--work-dir <dir>', 'where the input and job outputs are written', FLINK_WORK_DIR)
    .option('--heap <size>', 'maximum JVM heap of the mini-cluster', '2g')
    .option('--json <file>', 'also write the results as JSON')
    .addHelpText('after', '\nExample:\n  npx sluice bench flink --events 1000000')
    .action(async (opts: { events: number; seed: number; input?: string; workDir: string; heap: string; json?: string }) => {
      const report = await benchFlink({ ...opts, log });
      process.stdout.write(formatFlinkBench(report));
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
      const report = await benchLocal({ ...opts, progress });
      process.stdout.write(formatLocalBench(report));
      writeJson(opts.json, report);
    });

  bench
    .command('replay')
    .description('How closely sluice replay holds its --rate, and its speed without one, on a generated archive replayed into a counting sink')
    .option('--events <n>', 'archived events per run', count, 20000)
    .option('--rates <list>', 'requested rates in events per second, comma-separated', (v: string) => v.split(',').map(count), [2000, 10000])
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (opts: { events: number; rates: number[]; json?: string }) => {
      const report = await benchReplay({ events: opts.events, rates: opts.rates, log });
      process.stdout.write(formatReplayBench(report));
      writeJson(opts.json, report);
    });
}
