import { createHash } from 'node:crypto';
import { Reason } from '../events/reasons';

/** Where an invalid event came from, written beside its reasons. */
export interface ErrorOrigin {
  /** The configured source name (file-drop source, or `stream`). */
  readonly source: string;
  readonly object_key?: string;
  readonly line?: number;
  readonly sequence_number?: string;
}

/**
 * One error-zone line: `{"error":{"reasons":[...],"source":...,"object_key"?,"line"?,"sequence_number"?},"raw":"<original text>"}`.
 * Reasons are the producer-facing messages; `raw` is the record exactly as received.
 */
export function errorLine(reasons: readonly Reason[] | readonly string[], origin: ErrorOrigin, raw: string): string {
  const error: Record<string, unknown> = { reasons: reasons.map((r) => (typeof r === 'string' ? r : r.message)), source: origin.source };
  if (origin.object_key !== undefined) error.object_key = origin.object_key;
  if (origin.line !== undefined) error.line = origin.line;
  if (origin.sequence_number !== undefined) error.sequence_number = origin.sequence_number;
  return JSON.stringify({ error, raw });
}

/** Lake prefix of the error zone. */
export const ERRORS_PREFIX = 'errors/';

/**
 * Error-zone object key, partitioned by source and date (Hive style, for partition projection):
 * `errors/source=<source>/dt=<YYYY-MM-DD>/<name>-<part>.jsonl`. `name` is derived from what was
 * processed (see {@link errorObjectName}), so processing the same input again overwrites the same
 * objects instead of adding copies.
 */
export function errorKey(source: string, date: Date | string, name: string, part: number): string {
  const day = (typeof date === 'string' ? new Date(date) : date).toISOString().slice(0, 10);
  return `${ERRORS_PREFIX}source=${encodeURIComponent(source)}/dt=${day}/${name}-${String(part).padStart(5, '0')}.jsonl`;
}

/** A stable, key-safe name for an input (an S3 object version, a stream batch). */
export function errorObjectName(...identity: string[]): string {
  return createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 32);
}

export interface ErrorZoneWriterOptions {
  /** Writes one object; the S3 adapter does a PutObject. */
  put: (key: string, body: string) => Promise<void>;
  source: string;
  /** The partition date (the time the input arrived, so a retry lands in the same partition). */
  date: Date | string;
  /** See {@link errorObjectName}. */
  name: string;
  /** Objects are cut at this size so memory stays bounded however many lines are invalid. Default 8 MiB. */
  maxObjectChars?: number;
}

/** Collects error lines for one input and writes them as one or more error-zone objects. */
export class ErrorZoneWriter {
  private buffer: string[] = [];
  private bufferChars = 0;
  private part = 0;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private flushScheduled = false;
  /** Error lines written or buffered. */
  count = 0;
  /** Keys of the objects written. */
  readonly keys: string[] = [];

  constructor(private readonly opts: ErrorZoneWriterOptions) {}

  /** Adds a line; writes an object when the buffer reaches its size limit. */
  async add(line: string): Promise<void> {
    this.buffer.push(line);
    this.bufferChars += line.length + 1;
    this.count++;
    if (this.bufferChars >= (this.opts.maxObjectChars ?? 8 * 1024 * 1024)) await this.flush();
  }

  /**
   * Adds a line and resolves once it is stored. Lines delivered in the same tick share one object:
   * the buffer is written on the next turn of the event loop.
   */
  deliver(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.buffer.push(line);
      this.bufferChars += line.length + 1;
      this.count++;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush().catch(() => undefined);
        });
      }
    });
  }

  /** Writes the buffered lines, if any, as the next part. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const body = this.buffer.join('\n') + '\n';
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    this.bufferChars = 0;
    this.part++;
    const key = errorKey(this.opts.source, this.opts.date, this.opts.name, this.part);
    try {
      await this.opts.put(key, body);
    } catch (err) {
      for (const w of waiters) w.reject(err as Error);
      throw err;
    }
    this.keys.push(key);
    for (const w of waiters) w.resolve();
  }
}
