/**
 * Start-up cost of the CLI: wall time and peak memory of `sluice --help` and of every
 * `sluice <command> --help`, each run several times as a separate process, as a user starts it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/project';
import { describeMachine, machine, type Machine } from './machine';
import { median } from './median';

export interface CliBenchOptions {
  /** Runs per command line; the median and the worst are reported. */
  runs: number;
  /** The command lines to time, without `sluice`, e.g. `['--help']`, `['query', '--help']`. */
  commands: string[][];
}

export interface CliBenchResult {
  command: string;
  runs: number;
  medianMs: number;
  maxMs: number;
  medianRssMiB: number;
  maxRssMiB: number;
  /** CPU time (user + system) of the process, median. */
  medianCpuMs: number;
}

export interface CliBenchReport {
  machine: Machine;
  /** What one run of `node -e 0` costs here, the floor of any Node CLI. */
  baseline: CliBenchResult;
  results: CliBenchResult[];
  limits: { wallMs: number; rssMiB: number };
}

export const CLI_LIMITS = { wallMs: 300, rssMiB: 80 } as const;

// Preloaded into the measured process: at exit it writes its peak RSS (getrusage maxrss, KiB) and
// the CPU time it used (microseconds), which a busy machine inflates less than wall time.
const REPORT_USAGE = `process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(process.env.SLUICE_BENCH_USAGE_FILE, u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime)); });\n`;

const round1 = (value: number) => Math.round(value * 10) / 10;

function measure(label: string, args: string[], runs: number, work: string): CliBenchResult {
  const preload = join(work, 'report-usage.js');
  writeFileSync(preload, REPORT_USAGE);
  const usageFile = join(work, 'usage');
  const walls: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ['--require', preload, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SLUICE_BENCH_USAGE_FILE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    walls.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (run.status !== 0) throw new Error(`${label} exited ${run.status}: ${run.stderr.trim()}`);
    const [maxRss, cpuMicros] = readFileSync(usageFile, 'utf8').split(' ').map(Number);
    rss.push(maxRss / 1024);
    cpu.push(cpuMicros / 1000);
  }
  return {
    command: label,
    runs,
    medianMs: round1(median(walls)),
    maxMs: round1(Math.max(...walls)),
    medianRssMiB: round1(median(rss)),
    maxRssMiB: round1(Math.max(...rss)),
    medianCpuMs: round1(median(cpu)),
  };
}

/** Every `--help` of the CLI: the program's and each command's, subcommands included. */
export function helpCommands(tree: { name: string; subcommands: string[] }[]): string[][] {
  const lines: string[][] = [['--help']];
  for (const command of tree) {
    lines.push([command.name, '--help']);
    for (const sub of command.subcommands) lines.push([command.name, sub, '--help']);
  }
  return lines;
}

export function benchCli(opts: CliBenchOptions): CliBenchReport {
  const bin = join(projectRoot(), 'cli', 'bin', 'sluice.js');
  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-cli-'));
  try {
    // One unmeasured run builds the bundle if a source changed since the last one.
    spawnSync(process.execPath, [bin, '--help'], { stdio: 'ignore' });
    const baseline = measure('node -e 0', ['-e', '0'], opts.runs, work);
    const results = opts.commands.map((args) => measure(`sluice ${args.join(' ')}`, [bin, ...args], opts.runs, work));
    return { machine: machine(), baseline, results, limits: CLI_LIMITS };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatCliBench(report: CliBenchReport): string {
  const width = Math.max(...[report.baseline, ...report.results].map((r) => r.command.length));
  const line = (r: CliBenchResult) =>
    `  ${r.command.padEnd(width)}  wall ${r.medianMs.toFixed(0).padStart(5)} ms median, ${r.maxMs.toFixed(0).padStart(5)} ms max   ` +
    `CPU ${r.medianCpuMs.toFixed(0).padStart(5)} ms   RSS ${r.medianRssMiB.toFixed(1).padStart(5)} MiB median, ${r.maxRssMiB.toFixed(1).padStart(5)} MiB max`;
  const over = report.results.filter((r) => r.maxMs > report.limits.wallMs || r.maxRssMiB > report.limits.rssMiB);
  return [
    `CLI start-up, ${report.baseline.runs} runs each, on ${describeMachine(report.machine)}:`,
    line(report.baseline),
    ...report.results.map(line),
    over.length === 0
      ? `every command line within ${report.limits.wallMs} ms and ${report.limits.rssMiB} MiB (worst run)`
      : `over ${report.limits.wallMs} ms or ${report.limits.rssMiB} MiB in its worst run: ${over.map((r) => r.command).join(', ')}`,
    '',
  ].join('\n');
}
