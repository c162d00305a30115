import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes lines, each with a newline, to a stream in 64 KiB chunks with backpressure, so millions
 * of lines stream out in constant memory; the stream is left open.
 */
export async function writeLines(lines: Iterable<string>, out: Writable): Promise<void> {
  let chunk = '';
  for (const line of lines) {
    chunk += line + '\n';
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk) out.write(chunk);
}

export interface LineWriterOptions {
  /** Lines are encoded and written this many characters at a time (default 64 KiB). */
  chunkChars?: number;
  /**
   * Also receives each chunk written to the file, as the same bytes: a second copy of the lines
   * (the raw archive beside the events file) without encoding them twice. May return a promise
   * for the writer to wait on.
   */
  also?: (chunk: Buffer, lines: number) => Promise<void> | undefined;
}

/**
 * Appends lines to a file in 64 KiB chunks, waiting for the disk only once 4 MiB are in flight:
 * with the stream's default 16 KiB mark, every chunk waited for its own write to finish and the
 * caller sat idle through each one.
 */
export class LineWriter {
  private readonly out: WriteStream;
  private readonly chunkChars: number;
  private chunk = '';
  private chunkLines = 0;
  count = 0;

  constructor(
    readonly path: string,
    private readonly opts: LineWriterOptions = {},
  ) {
    this.out = createWriteStream(path, { highWaterMark: 4 << 20 });
    this.chunkChars = opts.chunkChars ?? 1 << 16;
  }

  /**
   * Returns a promise only when the caller must wait for the disk: a million lines awaited one by
   * one cost a promise and a trip through the microtask queue each, for nothing.
   */
  write(line: string): Promise<void> | undefined {
    this.chunk += line + '\n';
    this.chunkLines++;
    this.count++;
    return this.chunk.length < this.chunkChars ? undefined : this.flush();
  }

  private flush(): Promise<void> | undefined {
    const bytes = Buffer.from(this.chunk);
    const lines = this.chunkLines;
    this.chunk = '';
    this.chunkLines = 0;
    const written = this.out.write(bytes) ? undefined : once(this.out, 'drain').then(() => undefined);
    const copied = this.opts.also?.(bytes, lines);
    return written && copied ? Promise.all([written, copied]).then(() => undefined) : (written ?? copied);
  }

  async close(): Promise<void> {
    if (this.chunk) await this.flush();
    this.out.end();
    await once(this.out, 'close');
  }
}
