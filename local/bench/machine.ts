import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The machine a benchmark ran on, printed and stored beside every figure. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
}

/** CPU model from /proc/cpuinfo (what Node reports elsewhere), core count, memory and Node version. */
export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpu = line.split(':')[1].trim();
  } catch {
    // /proc exists on Linux only.
  }
  return { cpu, cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}`;
}
