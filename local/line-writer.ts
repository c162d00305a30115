import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';

/** Appends lines to a file through a 64 KiB buffer, waiting for the disk when it falls behind. */
export class LineWriter {
  private readonly out: WriteStream;
  private chunk = '';
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
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
