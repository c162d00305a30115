/**
 * The output directory of a local run. Everything is built in a scratch directory beside `--out`
 * and moved into place only when every stage has succeeded, so a failed run never leaves a
 * half-written lake.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsProblem, UserError } from '../core/user-error';

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
    if (!lstatSync(target).isDirectory()) throw new UserError(`--out ${out} exists and is not a directory; choose a directory path`);
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes('report.json')) {
      throw new UserError(`--out ${out} already holds files that are not a previous local run (no report.json); choose an empty or new directory`);
    }
  }
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    mkdirSync(scratch, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot write --out ${out}: ${fsProblem(err)}; choose a directory you can write to`);
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

/**
 * Refuses, before any work starts, an output file that cannot be written: `path` is a directory,
 * or its directory does not exist or is a file. `flag` names the option in the message.
 */
export function checkOutputFile(path: string, flag: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UserError(`${flag} ${path} is a directory; give the path of a file to write`);
  }
  const parent = dirname(resolve(path));
  if (!existsSync(parent)) throw new UserError(`${flag} ${path}: directory ${dirname(path)} does not exist; create it first (mkdir -p ${dirname(path)}) or choose another path`);
  if (!statSync(parent).isDirectory()) throw new UserError(`${flag} ${path}: ${dirname(path)} is a file, not a directory; choose another path`);
}

/**
 * Refuses, before any work starts, an output directory that cannot be made: `path` is a file, or
 * one of its parents is. `flag` names the option in the message.
 */
export function checkOutputDirectory(path: string, flag: string): void {
  let dir = resolve(path);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) {
    const what = dir === resolve(path) ? `${path} is a file` : `${dir} is a file, not a directory`;
    throw new UserError(`${flag} ${path}: ${what}; give a directory path (it is created when missing)`);
  }
}
