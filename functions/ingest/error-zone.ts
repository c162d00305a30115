import { errorKey, errorObjectName } from '../../core/error-zone';

export interface ErrorZoneWriterOptions {
  /** Writes one object; the S3 adapter does a PutObject. */
  put: (key: string, body: string) => Promise<void>;
  source: string;
  /** The partition date (the time the input arrived, so a retry lands in the same partition). */
  date: Date | string;
  /** Objects are cut at this size so memory stays bounded however many lines are invalid. Default 8 MiB. */
  maxObjectChars?: number;
  /** Objects are cut at this many lines. Default: no limit (1 makes every line its own object). */
  maxObjectLines?: number;
}

/**
 * Collects error lines and writes them as error-zone objects. Each object's name is derived from
 * the identities of the lines it holds (an S3 object version and line number, a stream record's
 * shard and sequence number), so processing the same records again, from the start or from the
 * middle, rewrites the same objects instead of adding copies under new names.
 */
export class ErrorZoneWriter {
  private buffer: string[] = [];
  private identities: string[] = [];
  private bufferChars = 0;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private flushScheduled = false;
  /** Error lines written or buffered. */
  count = 0;
  /** Keys of the objects written. */
  readonly keys: string[] = [];

  constructor(private readonly opts: ErrorZoneWriterOptions) {}

  private push(line: string, identity: string): boolean {
    this.buffer.push(line);
    this.identities.push(identity);
    this.bufferChars += line.length + 1;
    this.count++;
    return this.bufferChars >= (this.opts.maxObjectChars ?? 8 * 1024 * 1024) || this.buffer.length >= (this.opts.maxObjectLines ?? Infinity);
  }

  /** Adds a line; writes an object when the buffer reaches its size limit. */
  async add(line: string, identity: string): Promise<void> {
    if (this.push(line, identity)) await this.flush();
  }

  /**
   * Adds a line and resolves once it is stored. Lines delivered in the same tick share one object
   * (up to the limits): the buffer is written on the next turn of the event loop.
   */
  deliver(line: string, identity: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this.push(line, identity)) {
        this.flush().catch(() => undefined);
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush().catch(() => undefined);
        });
      }
    });
  }

  /** Writes the buffered lines, if any, as one object named after them. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const body = this.buffer.join('\n') + '\n';
    const key = errorKey(this.opts.source, this.opts.date, errorObjectName(...this.identities));
    const waiters = this.waiters;
    this.buffer = [];
    this.identities = [];
    this.waiters = [];
    this.bufferChars = 0;
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
