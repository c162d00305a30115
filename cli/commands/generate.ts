import { Command, InvalidArgumentError } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { GeneratorStats } from '../../local/generator';
import { writeLines } from '../../local/line-writer';
import { checkOutputFile } from '../../local/output';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const generator = () => require('../../local/generator') as typeof import('../../local/generator');

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a share between 0 and 1 (e.g. 0.05), got "${value}"`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

function summary(stats: GeneratorStats): string {
  const kinds = Object.entries(stats.invalidByKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  return (
    `generated ${stats.lines} lines (${stats.bytes} bytes): ${stats.unique} unique valid (${stats.onTime} on time, ${stats.late} late), ` +
    `${stats.duplicates} duplicates (${stats.duplicatesSecondsLater} seconds later, ${stats.duplicatesHoursLater} hours later), ` +
    `${stats.invalid} invalid${kinds ? ` (${kinds})` : ''}\n`
  );
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write deterministic JSON lines of realistic ~1 KB events, with shares of duplicates, invalid and late events')
    .requiredOption('--events <n>', 'number of lines to write', integer)
    .option('--seed <s>', 'PRNG seed: the same seed writes the same bytes', integer, 1)
    .option('--duplicates <p>', 'share of exact re-sent copies of earlier events (0..1)', share, 0)
    .option('--invalid <p>', 'share of lines that fail validation (0..1)', share, 0)
    .option('--late <p>', 'share of events far behind the stream maximum created_at (0..1)', share, 0)
    .option('--event-names <k>', 'number of distinct event names (1..100)', integer, 100)
    .option('--out <file>', 'output file (gzip when it ends in .gz); default: standard output')
    .option('--stats <file>', 'also write the run statistics as JSON to this file')
    .addHelpText('after', '\nExample:\n  npx sluice generate --events 100000 --seed 7 --duplicates 0.02 --invalid 0.01 --late 0.01 --out events.jsonl')
    .action(async (opts: { events: number; seed: number; duplicates: number; invalid: number; late: number; eventNames: number; out?: string; stats?: string }) => {
      if (opts.out !== undefined) checkOutputFile(opts.out, '--out');
      if (opts.stats !== undefined) checkOutputFile(opts.stats, '--stats');
      const run = generator().generate({ events: opts.events, seed: opts.seed, duplicates: opts.duplicates, invalid: opts.invalid, late: opts.late, eventNames: opts.eventNames });
      if (opts.out) {
        const file = createWriteStream(opts.out);
        const out: Writable = opts.out.endsWith('.gz') ? createGzip() : file;
        if (out !== file) out.pipe(file);
        await writeLines(run.lines, out);
        out.end();
        await once(file, 'close');
      } else {
        // A reader that stops early (`| head`) closes the pipe: stop quietly, as Unix tools do.
        process.stdout.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(0);
          throw err;
        });
        await writeLines(run.lines, process.stdout);
      }
      if (opts.stats) {
        const statsFile = createWriteStream(opts.stats);
        statsFile.end(JSON.stringify(run.stats, null, 2) + '\n');
        await once(statsFile, 'close');
      }
      process.stderr.write(summary(run.stats));
    });
}
