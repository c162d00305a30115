import { errorKey } from '../../core/error-zone';

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
