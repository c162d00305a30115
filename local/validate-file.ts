import { createReadStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRegistry } from '../core/events/registry';
import { createContext } from '../core/events/validate';
import { IngestCounts, ingestFile } from '../functions/ingest/pipeline';
import { ReadFormat } from '../functions/ingest/reader';
import { fsProblem, UserError } from '../core/user-error';
import { LineWriter } from './line-writer';
import { checkOutputDirectory } from './output';

export interface ValidateFileOptions {
  /** Source name written into the events and error lines. Default `local`. */
  source?: string;
  format?: ReadFormat;
  unknownEventNames?: 'accept' | 'reject';
  /** Schema registry folder. Default: core/events/schemas. */
  schemaDir?: string;
  ingestedAt?: Date;
}

export interface ValidateFileResult {
  counts: IngestCounts;
  validPath: string;
  errorsPath: string;
}

/**
 * Runs the ingestion functions' validation and enrichment on a local file (JSON lines, a JSON
 * array, or gzip of either) and writes `<outDir>/valid.jsonl` (enriched events) and
 * `<outDir>/errors.jsonl` (error-zone lines), streaming, so any file size works.
 *
 * @throws when the file cannot be opened (the message names the path and the system error).
 */
export async function validateFile(file: string, outDir: string, opts: ValidateFileOptions = {}): Promise<ValidateFileResult> {
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err) => reject(new UserError(`cannot read ${file}: ${fsProblem(err)}; give the path of a JSON-lines or JSON-array file (gzip allowed)`)));
  });
  // A directory opens but fails on the first read: refuse it before any output file exists.
  if (statSync(file).isDirectory()) {
    input.destroy();
    throw new UserError(`cannot read ${file}: it is a directory; give the path of one JSON-lines or JSON-array file (gzip allowed)`);
  }
  checkOutputDirectory(outDir, '--out');
  await mkdir(outDir, { recursive: true });
  const valid = new LineWriter(join(outDir, 'valid.jsonl'));
  const errors = new LineWriter(join(outDir, 'errors.jsonl'));
  const ctx = createContext({
    source: opts.source ?? 'local',
    registry: loadRegistry(opts.schemaDir),
    unknownEventNames: opts.unknownEventNames ?? 'accept',
    ingestedAt: opts.ingestedAt,
  });
  try {
    const counts = await ingestFile(input, {
      ctx,
      format: opts.format,
      objectKey: file,
      sinks: { publish: (entry) => valid.write(entry.data), reject: (line) => errors.write(line) },
    });
    return { counts, validPath: valid.path, errorsPath: errors.path };
  } finally {
    await valid.close();
    await errors.close();
  }
}
