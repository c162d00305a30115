/**
 * The one error type for what a user can cause: bad input, a failed run, or a wrong command line.
 * The CLI catches it in one place (cli/index.ts), prints its message and exits with its code; any
 * other error is a bug. Messages say what was wrong, which input, and the fix.
 */

/** 1: bad input or a failed run; 2: the command line itself is wrong (usage). */
export type ExitCode = 1 | 2;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the device',
  EMFILE: 'too many files are open',
  ENAMETOOLONG: 'the name is too long',
};

/** A file system error in words, without its errno code (`ENOENT: no such file ...`). */
export function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && FS_PROBLEMS[code] !== undefined) return FS_PROBLEMS[code];
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^[A-Z]+: /, '').replace(/, [a-z]+ '.*'$/, '');
}
