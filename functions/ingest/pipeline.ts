import { Reason, reason, ReasonCode } from '../../core/events/reasons';
import { validateLine, ValidationContext } from '../../core/events/validate';
import { errorLine, ErrorOrigin } from '../../core/error-zone';
import { encodeEscaped, hasInvalidUtf8, readEvents, ReadError, ReadFormat } from './reader';
import { PublishEntry } from './publisher';

/**
 * Where a file's events go: valid ones to `publish`, error-zone lines to `reject`. Both may apply
 * backpressure by returning a promise; one that returns nothing is not waited for, so a file of a
 * million lines does not pay a trip through the microtask queue per line.
 */
export interface IngestSinks {
  publish(entry: PublishEntry): Promise<void> | void;
  /** `line` is the record's line number (for the error-zone object's name). */
  reject(errorLine: string, line: number): Promise<void> | void;
}

export interface IngestCounts {
  /** Records read (lines or array elements; blank lines excluded). */
  records: number;
  valid: number;
  invalid: number;
  /** Invalid records by the code of each reason (a record with two reasons counts under both). */
  invalidByReason: Partial<Record<ReasonCode, number>>;
}

export const emptyCounts = (): IngestCounts => ({ records: 0, valid: 0, invalid: 0, invalidByReason: {} });

function countInvalid(counts: IngestCounts, reasons: readonly Reason[]): void {
  counts.invalid++;
  for (const code of new Set(reasons.map((r) => r.code))) counts.invalidByReason[code] = (counts.invalidByReason[code] ?? 0) + 1;
}

export interface IngestFileOptions {
  ctx: ValidationContext;
  format?: ReadFormat;
  /** The object's key, written into every error line. */
  objectKey?: string;
  sinks: IngestSinks;
  maxRecordChars?: number;
}

/**
 * Reads a file's events as a stream and routes each: valid and enriched to `publish` (partition
 * key = the event's UUID, so a re-sent event goes to the same shard), invalid to `reject` as an
 * error-zone line with its line number. Content that cannot be read at all (corrupt gzip, not an
 * array) becomes one error line naming the object, as nothing from it can be trusted further.
 * Failures of the sinks propagate.
 */
export async function ingestFile(body: AsyncIterable<Uint8Array | string>, opts: IngestFileOptions): Promise<IngestCounts> {
  const counts = emptyCounts();
  const { ctx, sinks } = opts;
  const origin = (line: number): ErrorOrigin => (opts.objectKey === undefined ? { source: ctx.source, line } : { source: ctx.source, object_key: opts.objectKey, line });
  let lastLine = 0;
  let wait: Promise<void> | void;
  try {
    for await (const record of readEvents(body, { format: opts.format, maxRecordChars: opts.maxRecordChars })) {
      counts.records++;
      lastLine = record.line;
      if (record.truncatedFrom !== undefined) {
        const raw = hasInvalidUtf8(record.text) ? encodeEscaped(record.text) : record.text;
        const reasons = [reason('too_large', `the record is ${record.truncatedFrom} characters long, more than fits in one Kinesis record; "raw" keeps its first ${record.text.length} characters`)];
        countInvalid(counts, reasons);
        wait = sinks.reject(errorLine(reasons, origin(record.line), raw), record.line);
        if (wait) await wait;
        continue;
      }
      if (hasInvalidUtf8(record.text)) {
        const reasons = [reason('invalid_utf8', 'the record is not valid UTF-8 text; "raw_base64" keeps its exact bytes; send UTF-8')];
        countInvalid(counts, reasons);
        wait = sinks.reject(errorLine(reasons, origin(record.line), encodeEscaped(record.text)), record.line);
        if (wait) await wait;
        continue;
      }
      const result = validateLine(record.text, ctx);
      if (result.ok) {
        counts.valid++;
        wait = sinks.publish({ data: result.json, partitionKey: result.envelope.event_uuid });
        if (wait) await wait;
      } else {
        countInvalid(counts, result.reasons);
        wait = sinks.reject(errorLine(result.reasons, origin(record.line), record.text), record.line);
        if (wait) await wait;
      }
    }
  } catch (err) {
    if (!(err instanceof ReadError)) throw err;
    const where = counts.records > 0 ? ` after line ${lastLine} (${counts.records} records read before it)` : '';
    const reasons = [reason('unreadable_object', `the file cannot be read as events${where}: ${err.message}`)];
    // Every record before the problem was read and routed above; this line says where reading stopped.
    countInvalid(counts, reasons);
    await sinks.reject(errorLine(reasons, origin(lastLine + 1), ''), lastLine + 1);
  }
  return counts;
}
