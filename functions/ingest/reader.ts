import { isUtf8 } from 'node:buffer';
import { Gunzip } from 'fflate';

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

/** Where the reader stopped early: a gzip error, or bytes after the last gzip member that are not gzip. */
interface Stop {
  error?: ReadError;
}

/**
 * Decompresses when the content starts with the gzip magic bytes, whatever the object's name or
 * headers say. fflate hands over every decompressed byte before it reports a problem (Node's
 * zlib drops the output of the write that fails), so a file with garbage after its last member
 * loses nothing: the trailing bytes are ignored and reported in `stop`, as is a corrupt member
 * after everything before the corruption.
 */
async function* decompressed(input: AsyncIterable<Uint8Array | string>, stop: Stop): AsyncGenerator<Buffer> {
  const it = bytes(input)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    if (head.length > 0) yield head;
    for (let next = done ? undefined : await it.next(); next && !next.done; next = await it.next()) yield next.value;
    return;
  }
  const out: Buffer[] = [];
  let produced = 0;
  let members = 1;
  const gunzip = new Gunzip((chunk) => {
    produced += chunk.length;
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  gunzip.onmember = () => members++;
  let chunk: Buffer | undefined = head;
  while (chunk !== undefined) {
    const next = done ? undefined : await it.next();
    const last = next === undefined || next.done === true;
    // Compressed input is pushed in small slices: deflate expands up to about 1000:1, so a slice
    // of GZIP_SLICE bytes yields at most a few MiB before it is handed on.
    for (let at = 0; at < chunk.length || (at === 0 && last); at += GZIP_SLICE) {
      const end = Math.min(chunk.length, at + GZIP_SLICE);
      try {
        gunzip.push(chunk.subarray(at, end), last && end === chunk.length);
      } catch (err) {
        const message = (err as Error).message;
        for (const piece of out.splice(0)) yield piece;
        // A bad header after output or a finished member is the start of bytes that are not gzip.
        if (message === 'invalid gzip data' && (produced > 0 || members > 1)) {
          stop.error = new ReadError(`the content after the last complete gzip member is not gzip and was ignored; ${produced} decompressed bytes before it were read`);
        } else {
          stop.error = new ReadError(`the content starts like gzip but does not decompress after ${produced} bytes: ${message}`);
        }
        return;
      }
      for (const piece of out.splice(0)) yield piece;
      if (end === chunk.length) break;
    }
    chunk = last ? undefined : (next!.value as Buffer);
  }
}

const GZIP_SLICE = 4096;

/**
 * Decodes UTF-8 as a stream, keeping every byte: a byte that is not part of valid UTF-8 becomes
 * the lone surrogate U+DC80 + (byte - 0x80) (Python's "surrogateescape"), which valid UTF-8 can
 * never produce, so a record holding one is known to be invalid and its exact bytes come back
 * with {@link encodeEscaped}. Valid chunks take Node's fast path.
 */
export class EscapingDecoder {
  private carry: Buffer = Buffer.alloc(0);

  write(chunk: Buffer): string {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeLength(buf);
    this.carry = Buffer.from(buf.subarray(cut));
    return decodeEscaping(buf, 0, cut);
  }

  end(): string {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return decodeEscaping(rest, 0, rest.length);
  }
}

/** The length of `buf` without an incomplete multi-byte sequence at its end (kept for the next chunk). */
function completeLength(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back];
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? n - back : n;
    }
  }
  return n;
}

const escapeByte = (b: number): string => String.fromCharCode(0xdc00 + b);

function decodeEscaping(buf: Buffer, from: number, to: number): string {
  if (isUtf8(buf.subarray(from, to))) return buf.toString('utf8', from, to);
  let out = '';
  let run = from;
  let i = from;
  while (i < to) {
    const b = buf[i];
    const len = b < 0x80 ? 1 : sequenceLength(buf, i, to);
    if (len > 0) {
      i += len;
      continue;
    }
    out += buf.toString('utf8', run, i) + escapeByte(b);
    i++;
    run = i;
  }
  return out + buf.toString('utf8', run, to);
}

/** Length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF) at `i`, or 0. */
function sequenceLength(buf: Buffer, i: number, to: number): number {
  const b = buf[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < to && buf[i + k] >= lo && buf[i + k] <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

/** True when a record read by {@link readEvents} held bytes that are not UTF-8. */
export const hasInvalidUtf8 = (text: string): boolean => ESCAPED_BYTE.test(text);

/** The exact bytes of a record read by {@link readEvents}, escaped invalid bytes restored. */
export function encodeEscaped(text: string): Buffer {
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff)) {
      parts.push(Buffer.from(text.slice(run, i), 'utf8'), Buffer.from([c - 0xdc00]));
      run = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

async function* text(input: AsyncIterable<Uint8Array | string>, stop: Stop): AsyncGenerator<string> {
  const decoder = new EscapingDecoder();
  let first = true;
  for await (const chunk of decompressed(input, stop)) {
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

async function* lines(chunks: AsyncIterator<string>, start: { text: string; blank: string; dropped: number }, max: number, firstLine: number): AsyncGenerator<RawRecord> {
  let lineNo = firstLine;
  // The current line: at most `max` characters kept in `parts`, its full length counted. Each
  // chunk is searched once and copied once, whatever the length of its lines.
  let parts: string[] = [];
  let kept = 0;
  let length = 0;
  let blank = true;
  let lastChar = 0;
  const add = (s: string) => {
    if (s.length === 0) return;
    length += s.length;
    lastChar = s.charCodeAt(s.length - 1);
    if (blank && NON_BLANK.test(s)) blank = false;
    if (kept < max) {
      const piece = s.length > max - kept ? s.slice(0, max - kept) : s;
      parts.push(piece);
      kept += piece.length;
    }
  };
  const finish = (): RawRecord | undefined => {
    const total = lastChar === 13 ? length - 1 : length;
    const joined = parts.length === 1 ? parts[0] : parts.join('');
    const wasBlank = blank;
    parts = [];
    kept = 0;
    length = 0;
    blank = true;
    lastChar = 0;
    // A line of nothing but whitespace holds no event, however long it is.
    if (wasBlank) return undefined;
    if (total > max) return { text: joined.slice(0, max), line: lineNo, truncatedFrom: total };
    return { text: joined.length > total ? joined.slice(0, total) : joined, line: lineNo };
  };
  if (start.dropped > 0) {
    // Leading blanks of the first line beyond `max` were dropped while looking for content.
    add(start.blank);
    length += start.dropped;
  } else add(start.blank);
  let chunk: string | undefined = start.text;
  while (chunk !== undefined) {
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
      add(chunk.slice(from, nl));
      const record = finish();
      if (record) yield record;
      lineNo++;
      from = nl + 1;
    }
    if (from < chunk.length) add(from === 0 ? chunk : chunk.slice(from));
    const next = await chunks.next();
    chunk = next.done ? undefined : next.value;
  }
  if (length > 0) {
    const last = finish();
    if (last) yield last;
  }
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
async function* arrayElements(chunks: AsyncIterator<string>, firstChunk: string, max: number, firstLine: number): AsyncGenerator<RawRecord> {
  let state: S = S.BeforeArray;
  let lineNo = firstLine;
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
    // Whitespace before the comma or bracket that ends an element is not part of it.
    const text = parts.join('').trimEnd();
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
        } else if (c === 123 || c === 91) depth++;
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
  const stop: Stop = {};
  const chunks = text(input, stop)[Symbol.asyncIterator]();
  // Skip to the first non-blank character, keeping only the line count and at most `max`
  // characters of the current blank line, so any amount of leading whitespace costs one pass.
  let lineNo = 1;
  let blank = '';
  let dropped = 0;
  let first: string | undefined;
  for (;;) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = next.value;
    if (NON_BLANK.test(chunk)) {
      first = chunk;
      break;
    }
    const lastNewline = chunk.lastIndexOf('\n');
    let tail = chunk;
    if (lastNewline >= 0) {
      for (let i = 0; i <= lastNewline; i++) if (chunk.charCodeAt(i) === 10) lineNo++;
      blank = '';
      dropped = 0;
      tail = chunk.slice(lastNewline + 1);
    }
    // Beyond `max` characters the blanks of the line are only counted, never copied again.
    if (blank.length >= max) dropped += tail.length;
    else {
      blank += tail;
      if (blank.length > max) {
        dropped += blank.length - max;
        blank = blank.slice(0, max);
      }
    }
  }
  if (first !== undefined) {
    const format = opts.format ?? 'auto';
    const array = format === 'json-array' || (format === 'auto' && first.trimStart().startsWith('['));
    yield* array ? arrayElements(chunks, first, max, lineNo) : lines(chunks, { text: first, blank, dropped }, max, lineNo);
  }
  if (stop.error) throw stop.error;
}

const NON_BLANK = /\S/;
