/**
 * The output directory of a local run. Everything is built in a scratch directory beside `--out`
 * and moved into place only when every stage has succeeded, so a failed run never leaves a
 * half-written lake.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LocalRunError } from './errors';

export interface PreparedOutput {
  /** Where the run writes; becomes `out` on `finish()`. */
  scratch: string;
  finish: () => void;
  abandon: () => void;
}

/** Where the run is built, beside `out` so the final move is a rename on one file system. */
export function prepareOutput(out: string): PreparedOutput {
  const target = resolve(out);
  if (existsSync(target)) {
    if (!lstatSync(target).isDirectory()) throw new LocalRunError(`--out ${out} exists and is not a directory; choose a directory path`);
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes('report.json')) {
      throw new LocalRunError(`--out ${out} already holds files that are not a previous local run (no report.json); choose an empty or new directory`);
    }
  }
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    mkdirSync(scratch, { recursive: true });
  } catch (err) {
    throw new LocalRunError(`cannot write --out ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a directory you can write to`);
  }
  return {
    scratch,
    finish() {
      rmSync(target, { recursive: true, force: true });
      renameSync(scratch, target);
    },
    abandon() {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
