import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { GeneratorOptions, GeneratorStats } from './generator';
import { undoOnInterrupt } from './interrupt';

/** The generator running in a child process, its lines a stream. */
export interface GenerationProcess {
  /** The lines, each with its newline, as the child writes them; read to the end. */
  readonly lines: Readable;
  /** The statistics, once the child has written every line; rejects if the child fails. */
  readonly stats: Promise<GeneratorStats>;
  /** Ends the child, for a caller whose own work failed. */
  stop(): void;
}

/**
 * Generates events in a child process (generator-child.ts): a reader of `lines` validates them on
 * this process's core while the child makes the next ones on the other, instead of the two taking
 * turns on one. The options must have been checked (acceptedAt() checks them).
 */
export function generateInChild(opts: GeneratorOptions): GenerationProcess {
  const child = fork(join(__dirname, 'generator-child.ts'), [JSON.stringify(opts)], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const forget = undoOnInterrupt(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stats = new Promise<GeneratorStats>((resolve, reject) => {
    let received: GeneratorStats | undefined;
    child.on('message', (message) => (received = message as GeneratorStats));
    child.on('error', reject);
    // 'close' comes after the process has exited and its output and messages have all arrived.
    child.on('close', (code, signal) => {
      forget();
      if (code === 0 && received?.complete) resolve(received);
      else reject(new Error(`the event generator (a child process) ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
  // A caller that fails first stops the child and does not await this.
  stats.catch(() => undefined);
  return { lines: child.stdout!, stats, stop: () => child.kill('SIGKILL') };
}
