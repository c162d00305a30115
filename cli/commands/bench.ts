import { Command, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { benchIngest, formatIngestBench } from '../lib/bench-ingest';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** `sluice bench <ingest | ...>`: each benchmark is a subcommand; figures name the machine they ran on. */
export function registerBench(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('Run a benchmark and print its figures with the machine they came from');
  bench
    .command('ingest')
    .description('Validation + enrichment throughput per core vs JSON.parse alone, and peak memory of ingesting a large file')
    .option('--events <n>', 'generated events for the throughput run', positiveInt, 50000)
    .option('--rounds <n>', 'timed rounds (the median is reported)', positiveInt, 7)
    .option('--file-mb <n>', 'size of the JSON-lines file for the memory run, in MiB (0 skips it)', positiveInt, 100)
    .option('--json <file>', 'also write the figures as JSON')
    .action(async (opts: { events: number; rounds: number; fileMb: number; json?: string }) => {
      const result = await benchIngest({ events: opts.events, rounds: opts.rounds, fileMb: opts.fileMb, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(formatIngestBench(result));
      if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
    });
}
