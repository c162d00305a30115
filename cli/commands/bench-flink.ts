import { Command, InvalidArgumentError } from 'commander';
import { cpus } from 'node:os';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchResult, NEXMARK_PER_CORE, throughput, writeBenchInput } from '../lib/flink-bench';
import { FlinkJob, runFlinkJob } from '../lib/flink';
import { projectRoot } from '../lib/project';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Counts lines and copies the first `head` of them to `headPath`, reading in chunks. */
function countLinesAndHead(path: string, head: number, headPath: string): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 22);
  let lines = 0;
  let headEnd = -1;
  let offset = 0;
  for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
    for (let i = 0; i < read; i++) {
      if (buffer[i] === 10 && ++lines === head) headEnd = offset + i + 1;
    }
    offset += read;
  }
  closeSync(fd);
  const headBytes = Buffer.alloc(headEnd < 0 ? offset : headEnd);
  const fdHead = openSync(path, 'r');
  readSync(fdHead, headBytes, 0, headBytes.length, 0);
  closeSync(fdHead);
  writeFileSync(headPath, headBytes);
  return lines;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // /proc is Linux only; fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => {
    const t = throughput(r);
    const nexmark = NEXMARK_PER_CORE[r.job];
    return [
      r.job,
      String(r.inputRecords),
      `${(r.elapsedMs / 1000).toFixed(1)} (${(r.startupElapsedMs / 1000).toFixed(1)})`,
      `${(r.cpuMs / 1000).toFixed(1)} (${(r.startupCpuMs / 1000).toFixed(1)})`,
      String(t.eventsPerSecond),
      String(t.eventsPerCpuSecond),
      `${nexmark.query} ${nexmark.eventsPerSecond}`,
    ];
  });
  const header = ['job', 'events in', 'wall s (start-up)', 'CPU s (start-up)', 'events/s net', 'events/CPU-s net', 'Nexmark per core (Flink 1.13)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

/** Adds `flink` under the `bench` command, creating `bench` if no other benchmark has yet. */
export function registerBenchFlink(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('Benchmarks, run on this machine (figures go to the README with the machine named)');
  bench
    .command('flink')
    .description('Throughput of each Flink SQL job in the local mini-cluster (parallelism 1) on generated events, beside Nexmark per-core figures')
    .option('--events <n>', 'number of generated events', positiveInteger, 1_000_000)
    .option('--seed <s>', 'generator seed', positiveInteger, 1)
    .option('--input <file.jsonl>', 'use these enriched events instead of generating them')
    .option('--work-dir <dir>', 'where the input and job outputs are written', join(projectRoot(), '.sluice', 'bench', 'flink'))
    .option('--heap <size>', 'maximum JVM heap of the mini-cluster', '2g')
    .option('--json <file>', 'also write the results as JSON')
    .addHelpText('after', '\nExample:\n  npx sluice bench flink --events 1000000')
    .action(async (opts: { events: number; seed: number; input?: string; workDir: string; heap: string; json?: string }, cmd: Command) => {
      const work = resolve(opts.workDir);
      mkdirSync(work, { recursive: true });
      let input: string;
      if (opts.input) {
        if (!existsSync(opts.input)) cmd.error(`error: --input ${opts.input} does not exist; give a JSON-lines file of enriched events`, { exitCode: 2 });
        input = resolve(opts.input);
      } else {
        input = join(work, 'events.jsonl');
        process.stderr.write(`generating ${opts.events} enriched events (seed ${opts.seed}) into ${input}\n`);
        const stats = await writeBenchInput(input, opts.events, opts.seed);
        process.stderr.write(`  ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(0)} MB, ${stats.duplicates} duplicates, ${stats.late} late\n`);
      }
      const results: BenchResult[] = [];
      const stages: Array<{ job: FlinkJob; from: string }> = [
        { job: 'dedup-filter', from: input },
        { job: 'aggregate', from: join(work, 'processed.jsonl') },
      ];
      for (const stage of stages) {
        const head = join(work, `${stage.job}.head.jsonl`);
        const inputRecords = countLinesAndHead(stage.from, 100, head);
        process.stderr.write(`running ${stage.job} on the first 100 lines (start-up cost), then on ${stage.from}\n`);
        const startup = await runFlinkJob({ job: stage.job, input: head, output: join(work, 'startup'), heap: opts.heap });
        const summary = await runFlinkJob({ job: stage.job, input: stage.from, output: work, heap: opts.heap });
        results.push({
          job: stage.job,
          inputRecords,
          outputRecords: Object.fromEntries(Object.entries(summary.outputs).map(([sink, o]) => [sink, o.records])),
          elapsedMs: summary.elapsed_ms,
          cpuMs: summary.cpu_ms,
          startupElapsedMs: startup.elapsed_ms,
          startupCpuMs: startup.cpu_ms,
        });
      }
      const machine = `${cpus().length} cores, ${cpuModel()}`;
      process.stdout.write(`${table(results)}\nmachine: ${machine}; parallelism 1; net = full run minus a 100-line run (start-up)\n`);
      if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine, results: results.map((r) => ({ ...r, ...throughput(r) })) }, null, 2) + '\n');
    });
}
