/**
 * The output directory of a local run. Everything is built in a scratch directory beside `--out`
 * and moved into place only when every stage has succeeded, so a failed run never leaves a
 * half-written lake, and a previous run stays as it was.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsProblem, UserError } from '../core/user-error';

export interface PreparedOutput {
  /** Where the run writes; becomes `out` on `finish()`. */
  scratch: string;
  /** `out` as an absolute path: while the run lasts, a link to `scratch`. */
  target: string;
  finish: () => void;
  abandon: () => void;
}

/**
 * Where the run is built: a scratch directory beside `out`, so the final move is a rename on one
 * file system. While the run lasts, `out` itself is a symbolic link to the scratch directory (a
 * previous run is moved aside), because the lake's Iceberg metadata records its files by their
 * final absolute paths (`<out>/lake/curated/...`). `finish` puts the new run in place and drops
 * the previous one; `abandon` drops the new run and puts the previous one back.
 */
export function prepareOutput(out: string): PreparedOutput {
  const target = resolve(out);
  let hasPrevious = false;
  if (existsSync(target)) {
    if (!lstatSync(target).isDirectory()) throw new UserError(`--out ${out} exists and is not a directory; choose a directory path`);
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes('report.json')) {
      throw new UserError(`--out ${out} already holds files that are not a previous local run (no report.json); choose an empty or new directory`);
    }
    hasPrevious = true;
  }
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const previous = join(dirname(target), `.${basename(target)}.previous-${process.pid}`);
  try {
    mkdirSync(scratch, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot write --out ${out}: ${fsProblem(err)}; choose a directory you can write to`);
  }
  if (hasPrevious) renameSync(target, previous);
  symlinkSync(scratch, target);
  const unlink = () => {
    if (lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(target, { force: true });
  };
  return {
    scratch,
    target,
    finish() {
      unlink();
      renameSync(scratch, target);
      rmSync(previous, { recursive: true, force: true });
    },
    abandon() {
      unlink();
      rmSync(scratch, { recursive: true, force: true });
      if (hasPrevious) renameSync(previous, target);
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
