import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Appends lines to a file in 64 KiB chunks, waiting for the disk only once 4 MiB are in flight:
 * with the stream's default 16 KiB mark, every chunk waited for its own write to finish and the
 * caller sat idle through each one.
 */
export class LineWriter {
  private readonly out: WriteStream;
  private chunk = '';
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { highWaterMark: 4 << 20 });
  }

  async write(line: string): Promise<void> {
    this.chunk += line + '\n';
    this.count++;
    if (this.chunk.length >= 1 << 16) {
      const ok = this.out.write(this.chunk);
      this.chunk = '';
      if (!ok) await once(this.out, 'drain');
    }
  }

  async close(): Promise<void> {
    if (this.chunk) this.out.write(this.chunk);
    this.chunk = '';
    this.out.end();
    await once(this.out, 'close');
  }
}
