/** The checks `sluice local --input` makes before any work starts. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { UserError } from '../core/user-error';

/** Refuses input that is missing, a directory, or binary, before any work starts. */
export function checkInput(path: string): void {
  if (!existsSync(path)) throw new UserError(`--input ${path} does not exist; give a JSON-lines, JSON-array or gzip file, or leave --input out to generate events`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new UserError(`--input ${path} is a directory; give one events file (JSON lines, a JSON array, or gzip of either)`);
  if (!stat.isFile()) throw new UserError(`--input ${path} is not a regular file; give one events file`);
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'r');
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  let sample = head.subarray(0, length);
  if (sample[0] === 0x1f && sample[1] === 0x8b) {
    try {
      // The first bytes of a file are not a whole gzip stream: decompress what is there.
      sample = gunzipSync(sample, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, 64 * 1024);
    } catch (err) {
      throw new UserError(`--input ${path} starts like gzip but cannot be decompressed (${(err as Error).message}); give an intact gzip file`);
    }
  }
  if (looksBinary(sample)) {
    throw new UserError(`--input ${path} looks like a binary file, not text; give JSON lines, a JSON array, or gzip of either`);
  }
}

/** NUL bytes, or more than 1% of characters that are not valid UTF-8, mean this is not an events file. */
function looksBinary(sample: Buffer): boolean {
  if (sample.includes(0)) return true;
  const text = sample.toString('utf8');
  let replaced = 0;
  for (const ch of text) if (ch === '\uFFFD') replaced++;
  return text.length > 0 && replaced / text.length > 0.01;
}
