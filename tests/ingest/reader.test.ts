import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { RawRecord, readEvents, ReadError, ReadOptions } from '../../functions/ingest/reader';

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
async function read(data: string | Buffer, opts: ReadOptions = {}, chunk = 1 << 16): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readEvents(chunked(Buffer.isBuffer(data) ? data : Buffer.from(data), chunk), opts)) out.push(r);
  return out;
}
/** Reads with every chunk size from 1 byte up, so no split point changes the result. */
async function readAllSplits(data: string | Buffer, opts: ReadOptions = {}): Promise<RawRecord[]> {
  const whole = await read(data, opts);
  for (const size of [1, 2, 3, 5, 7, 13, 64]) expect(await read(data, opts, size), `chunks of ${size} bytes`).to.deep.equal(whole);
  return whole;
}

describe('streaming reader', () => {
  describe('JSON lines', () => {
    it('yields each non-blank line with its 1-based line number, CRLF and BOM handled', async () => {
      const text = '\ufeff{"a":1}\r\n\r\n  \n{"b":"é😀"}\n{"c":3}';
      expect(await readAllSplits(text)).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: '{"b":"é😀"}', line: 4 },
        { text: '{"c":3}', line: 5 },
      ]);
    });
    it('keeps bad lines as they are, for the validator to reject', async () => {
      expect(await read('{"a":1}\nnot json\n[1,2]\n')).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: 'not json', line: 2 },
        { text: '[1,2]', line: 3 },
      ]);
    });
    it('cuts a line longer than maxRecordChars to its beginning and says how long it was', async () => {
      const text = `{"a":1}\n${'x'.repeat(100)}\n{"b":2}\n${'y'.repeat(50)}`;
      expect(await readAllSplits(text, { maxRecordChars: 30 })).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: 'x'.repeat(30), line: 2, truncatedFrom: 100 },
        { text: '{"b":2}', line: 3 },
        { text: 'y'.repeat(30), line: 4, truncatedFrom: 50 },
      ]);
    });
    it('yields nothing for empty or blank content', async () => {
      expect(await read('')).to.deep.equal([]);
      expect(await read(' \n\r\n\t')).to.deep.equal([]);
    });
    it('reads a line starting with [ as one record when the format is jsonl', async () => {
      expect(await read('[{"a":1},{"b":2}]\n{"c":3}', { format: 'jsonl' })).to.deep.equal([
        { text: '[{"a":1},{"b":2}]', line: 1 },
        { text: '{"c":3}', line: 2 },
      ]);
    });
  });

  describe('gzip', () => {
    it('decompresses content that starts with the gzip magic bytes, whatever its name', async () => {
      const gz = gzipSync(Buffer.from('{"a":1}\n{"b":2}\n'));
      expect(await readAllSplits(gz)).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: '{"b":2}', line: 2 },
      ]);
    });
    it('reads concatenated gzip members as one stream', async () => {
      const gz = Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"b":2}\n')]);
      expect((await read(gz)).map((r) => r.text)).to.deep.equal(['{"a":1}', '{"b":2}']);
    });
    it('reads a gzipped JSON array', async () => {
      expect((await read(gzipSync('[{"a":1},{"b":2}]'))).map((r) => r.text)).to.deep.equal(['{"a":1}', '{"b":2}']);
    });
    it('fails with a ReadError on corrupt gzip', async () => {
      const gz = gzipSync(Buffer.from('{"a":1}\n'.repeat(100)));
      const corrupt = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(30, 7), gz.subarray(50)]);
      let error: unknown;
      try {
        await read(corrupt);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ReadError);
      expect((error as Error).message).to.contain('starts like gzip but does not decompress');
    });
  });

  describe('JSON arrays', () => {
    it('yields each element with the line it starts on, detected from the first character', async () => {
      const text = JSON.stringify([{ a: 1, s: 'x' }, { b: [1, { c: 2 }] }, 'str', 42, null], null, 2);
      const records = await readAllSplits(`\n  ${text}\n`);
      expect(records.map((r) => JSON.parse(r.text))).to.deep.equal([{ a: 1, s: 'x' }, { b: [1, { c: 2 }] }, 'str', 42, null]);
      expect(records.map((r) => r.line)).to.deep.equal([3, 7, 15, 16, 17]);
    });
    it('is not fooled by brackets, commas, quotes and escapes inside strings', async () => {
      const tricky = [{ s: 'a,b]}{["', t: '\\', u: '\\"', v: 'x\\\\"y', w: '\\\\\\\\"' }, { w: '"]' }, '\\\\', ['\\"', '"']];
      const records = await readAllSplits(JSON.stringify(tricky));
      expect(records.map((r) => JSON.parse(r.text))).to.deep.equal(tricky);
    });
    it('reads an empty array as no records and back-to-back arrays as one', async () => {
      expect(await read('[]')).to.deep.equal([]);
      expect((await readAllSplits('[{"a":1}]\n[{"b":2},{"c":3}]')).map((r) => r.text)).to.deep.equal(['{"a":1}', '{"b":2}', '{"c":3}']);
    });
    it('yields the incomplete last element of a truncated file, to be rejected as not JSON', async () => {
      expect(await readAllSplits('[{"a":1},\n{"b":')).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: '{"b":', line: 2 },
      ]);
    });
    it('yields content after the closing bracket as one record, and an empty element as an empty record', async () => {
      expect(await readAllSplits('[{"a":1},,{"b":2}]\ngarbage here\n')).to.deep.equal([
        { text: '{"a":1}', line: 1 },
        { text: '', line: 1 },
        { text: '{"b":2}', line: 1 },
        { text: 'garbage here', line: 2 },
      ]);
    });
    it('cuts an element longer than maxRecordChars', async () => {
      const big = JSON.stringify({ s: 'z'.repeat(100) });
      expect(await readAllSplits(`[${big},{"a":1}]`, { maxRecordChars: 20 })).to.deep.equal([
        { text: big.slice(0, 20), line: 1, truncatedFrom: big.length },
        { text: '{"a":1}', line: 1 },
      ]);
    });
    it('fails with a ReadError when format json-array meets content that is not an array', async () => {
      let error: unknown;
      try {
        await read('{"a":1}\n', { format: 'json-array' });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ReadError);
      expect((error as Error).message).to.equal('expected a JSON array (format json-array) but the content starts with "{\\"a\\":1}\\n"; use format jsonl or auto for JSON lines');
    });
  });
});
