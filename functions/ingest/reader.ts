import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** How a file holds its events: one JSON value per line, one JSON array, or detected from the first character. */
export type ReadFormat = 'jsonl' | 'json-array' | 'auto';

/** One raw event as it appeared in the file. */
export interface RawRecord {
  /** The record's text (a line, or one element of the array), at most `maxRecordChars` characters. */
  readonly text: string;
  /** 1-based line of the (decompressed) file where the record starts. */
  readonly line: number;
  /** Set when the record was longer than `maxRecordChars`: `text` holds its beginning only. */
  readonly truncatedFrom?: number;
}

export interface ReadOptions {
  /** Default `auto`: a file whose first non-blank character is `[` is a JSON array, anything else JSON lines. */
  format?: ReadFormat;
  /**
   * Records longer than this are cut to this many characters and flagged with `truncatedFrom`, so
   * one huge line cannot exhaust memory. Default 1 MiB (nothing longer fits in a Kinesis record).
   */
  maxRecordChars?: number;
}

/** The file could not be read as events at all (as opposed to individual bad records). */
export class ReadError extends Error {}

const DEFAULT_MAX_RECORD_CHARS = 1024 * 1024;

async function* bytes(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Decompresses when the content starts with the gzip magic bytes, whatever the object's name or headers say. */
async function* decompressed(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  const it = bytes(input)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    // pipeline forwards a read or a gunzip error to the stream we iterate, so it surfaces there.
    pipeline(Readable.from(rest()), gunzip, () => undefined);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      throw new ReadError(`the content starts like gzip but does not decompress: ${(err as Error).message}`);
    }
  } else {
    yield* rest();
  }
}

async function* text(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of decompressed(input)) {
    let s = decoder.write(chunk);
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s) yield s;
  }
  const end = decoder.end();
  if (end) yield end;
}

const isBlank = (s: string): boolean => /^\s*$/.test(s);

async function* lines(chunks: AsyncIterator<string>, firstChunk: string, max: number): AsyncGenerator<RawRecord> {
  let pending = firstChunk;
  let lineNo = 1;
  let overflowFrom = 0;
  let overflowText = '';
  const take = (raw: string): RawRecord | undefined => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (overflowFrom > 0) {
      const record: RawRecord = { text: overflowText, line: lineNo, truncatedFrom: overflowFrom + line.length };
      overflowFrom = 0;
      overflowText = '';
      return record;
    }
    if (isBlank(line)) return undefined;
    if (line.length > max) return { text: line.slice(0, max), line: lineNo, truncatedFrom: line.length };
    return { text: line, line: lineNo };
  };
  for (;;) {
    let start = 0;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const record = take(pending.slice(start, nl));
      if (record) yield record;
      lineNo++;
      start = nl + 1;
      nl = pending.indexOf('\n', start);
    }
    pending = start === 0 ? pending : pending.slice(start);
    if (pending.length > max) {
      // A line longer than any record we can publish: keep its beginning, count the rest.
      if (overflowFrom === 0) overflowText = pending.slice(0, max);
      overflowFrom += pending.length;
      pending = '';
    }
    const next = await chunks.next();
    if (next.done) break;
    pending += next.value;
  }
  const last = take(pending);
  if (last) yield last;
}

const enum S {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterArray,
  Trailing,
}

/**
 * Splits a JSON array into its elements' texts without parsing them, tracking strings and nesting,
 * so memory holds one element at a time. Arrays written back to back (`[...][...]`) are read as one.
 * A truncated file yields its last, incomplete element (which then fails validation as not JSON);
 * content after the closing bracket is yielded as one record.
 */
async function* arrayElements(chunks: AsyncIterator<string>, firstChunk: string, max: number): AsyncGenerator<RawRecord> {
  let state: S = S.BeforeArray;
  let lineNo = 1;
  let depth = 0;
  let inString = false;
  let carriedBackslashes = 0;
  let parts: string[] = [];
  let partsLength = 0;
  let elementLength = 0;
  let elementLine = 0;
  const out: RawRecord[] = [];
  const keep = (piece: string) => {
    elementLength += piece.length;
    if (partsLength < max) {
      const room = max - partsLength;
      const kept = piece.length > room ? piece.slice(0, room) : piece;
      parts.push(kept);
      partsLength += kept.length;
    }
  };
  const emit = () => {
    const text = parts.join('');
    out.push(elementLength > max ? { text, line: elementLine, truncatedFrom: elementLength } : { text, line: elementLine });
    parts = [];
    partsLength = 0;
    elementLength = 0;
  };
  let chunk: string | undefined = firstChunk;
  while (chunk !== undefined) {
    const n = chunk.length;
    let i = 0;
    let from = 0;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (state === S.InElement) {
        if (inString) {
          const q = chunk.indexOf('"', i);
          if (q < 0) {
            i = n;
            break;
          }
          let backslashes = 0;
          for (let j = q - 1; j >= from && chunk.charCodeAt(j) === 92; j--) backslashes++;
          // An escape split over chunks: add the backslashes that ended the previous chunk(s).
          if (q - backslashes === from) backslashes += carriedBackslashes;
          carriedBackslashes = 0;
          i = q + 1;
          if (backslashes % 2 === 0) inString = false;
          continue;
        }
        if (c === 34) {
          inString = true;
          carriedBackslashes = 0;
        }
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (depth === 0) {
            // `]` closing the array.
            keep(chunk.slice(from, i));
            emit();
            state = S.AfterArray;
            i++;
            continue;
          }
          depth--;
        } else if (c === 44 && depth === 0) {
          keep(chunk.slice(from, i));
          emit();
          state = S.BeforeElement;
        } else if (c === 10) lineNo++;
        i++;
        continue;
      }
      if (c === 10) {
        lineNo++;
        i++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      if (state === S.BeforeArray || state === S.AfterArray) {
        if (c === 91) {
          state = S.BeforeElement;
          i++;
          continue;
        }
        if (state === S.BeforeArray) {
          throw new ReadError(`expected a JSON array (format json-array) but the content starts with ${JSON.stringify(chunk.slice(i, i + 20))}; use format jsonl or auto for JSON lines`);
        }
        state = S.Trailing;
        elementLine = lineNo;
        from = i;
        i = n;
        break;
      }
      if (state === S.Trailing) {
        i = n;
        break;
      }
      // BeforeElement
      if (c === 93) {
        state = S.AfterArray;
        i++;
        continue;
      }
      if (c === 44) {
        // An empty element (`[a,,b]`): kept as an empty record, which fails validation with its line.
        elementLine = lineNo;
        emit();
        i++;
        continue;
      }
      state = S.InElement;
      depth = 0;
      inString = false;
      elementLine = lineNo;
      from = i;
    }
    if (state === S.InElement && inString) {
      let run = 0;
      for (let j = n - 1; j >= from && chunk.charCodeAt(j) === 92; j--) run++;
      carriedBackslashes = run === n - from ? carriedBackslashes + run : run;
    }
    if (state === S.InElement || state === S.Trailing) keep(chunk.slice(from, n));
    for (const record of out) yield record;
    out.length = 0;
    const next = await chunks.next();
    chunk = next.done ? undefined : next.value;
  }
  if (state === S.InElement || state === S.Trailing) {
    parts = [parts.join('').trimEnd()];
    emit();
    for (const record of out) yield record;
  }
}

/**
 * Reads raw events from a byte stream (an S3 object body, a file): gzip detected from the magic
 * bytes, UTF-8 with or without BOM, JSON lines or one JSON array, in constant memory (one chunk
 * and one record at a time). Blank lines are skipped; line numbers count them.
 *
 * @throws ReadError when the content cannot be read as events at all (corrupt gzip, a forced
 *   `json-array` format on content that is not an array).
 */
export async function* readEvents(input: AsyncIterable<Uint8Array | string>, opts: ReadOptions = {}): AsyncGenerator<RawRecord> {
  const max = opts.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  const chunks = text(input)[Symbol.asyncIterator]();
  let first = '';
  // Enough text to see the first non-blank character.
  while (isBlank(first)) {
    const next = await chunks.next();
    if (next.done) break;
    first += next.value;
  }
  if (isBlank(first)) return;
  const format = opts.format ?? 'auto';
  const array = format === 'json-array' || (format === 'auto' && first.trimStart().startsWith('['));
  yield* array ? arrayElements(chunks, first, max) : lines(chunks, first, max);
}
