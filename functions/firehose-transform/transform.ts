/**
 * The curated delivery stream's record transformation, without the Lambda around it.
 *
 * Firehose needs exactly one answer per record it sent, and the whole answer must fit in Lambda's
 * 6 MB synchronous response limit; an answer over the limit fails the invocation, and after its
 * retries Firehose sends the whole batch to the error output. So every record's failure entry is
 * reserved up front, rows are admitted in order while they fit, and a row that would overflow the
 * response becomes `ProcessingFailed`. Firehose then writes that record, as it received it
 * (`rawData`), under the stream's `processing-failed` error prefix, where it can be replayed;
 * nothing is lost and nothing else in the batch is held back. Failure entries therefore carry an
 * empty `data`: Firehose never delivers it, and it costs no response budget.
 *
 * Results:
 * - `Ok`: the row for the curated table (columns from the lake schema) plus a newline, with
 *   `metadata.partitionKeys` {event_type, created_date} for dynamic partitioning;
 * - `Dropped`: a record that holds no bytes but whitespace, so there is no event to lose;
 * - `ProcessingFailed`: anything else that is not an enriched event (bad base64, bad UTF-8, not
 *   JSON, missing or ill-typed envelope fields), and rows over the response limit.
 */
import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { curatedEventRow } from '../../core/lake/rows';

/**
 * Lambda's synchronous response limit is 6 MB; this stays under it with room for the runtime's
 * own framing (the same figure AWS's Firehose blueprints use).
 */
export const RESPONSE_LIMIT_BYTES = 6_000_000;

export type FailureKind = 'unreadable' | 'not-an-event' | 'over-response-limit';

export interface RecordFailure {
  readonly recordId: string;
  readonly kind: FailureKind;
  readonly reason: string;
}

export interface TransformOutcome {
  readonly response: FirehoseTransformationResult;
  readonly ok: number;
  readonly dropped: number;
  readonly failures: readonly RecordFailure[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Decoded =
  | { kind: 'event'; entry: FirehoseTransformationResultRecord }
  | { kind: 'empty' }
  | { kind: 'failed'; failure: RecordFailure };

/** Transforms one Firehose batch; see the module comment for the result of each kind of record. */
export function transformRecords(
  records: readonly FirehoseTransformationEventRecord[],
  limitBytes: number = RESPONSE_LIMIT_BYTES,
): TransformOutcome {
  const reserved = records.map((r) => entrySize(failedEntry(r.recordId)));
  // `{"records":[` + entries joined by `,` + `]}`
  let used = '{"records":[]}'.length + Math.max(0, records.length - 1) + reserved.reduce((a, b) => a + b, 0);
  if (used > limitBytes) {
    throw new Error(`a batch of ${records.length} records cannot be answered within ${limitBytes} bytes; lower the processor's buffer size`);
  }

  const entries: FirehoseTransformationResultRecord[] = [];
  const failures: RecordFailure[] = [];
  let ok = 0;
  let dropped = 0;
  records.forEach((record, i) => {
    const decoded = decode(record);
    if (decoded.kind === 'event') {
      const extra = entrySize(decoded.entry) - (reserved[i] as number);
      if (used + extra <= limitBytes) {
        used += extra;
        entries.push(decoded.entry);
        ok += 1;
        return;
      }
      failures.push({
        recordId: record.recordId,
        kind: 'over-response-limit',
        reason: `its row (${entrySize(decoded.entry)} bytes in the response) does not fit in the ${limitBytes}-byte Lambda response`,
      });
    } else if (decoded.kind === 'empty') {
      entries.push({ recordId: record.recordId, result: 'Dropped', data: '' });
      dropped += 1;
      return;
    } else {
      failures.push(decoded.failure);
    }
    entries.push(failedEntry(record.recordId));
  });
  return { response: { records: entries }, ok, dropped, failures };
}

function decode(record: FirehoseTransformationEventRecord): Decoded {
  const failed = (kind: FailureKind, reason: string): Decoded => ({ kind: 'failed', failure: { recordId: record.recordId, kind, reason } });
  if (typeof record.data !== 'string' || !BASE64.test(record.data)) return failed('unreadable', 'data is not valid base64');
  let text: string;
  try {
    text = utf8.decode(Buffer.from(record.data, 'base64'));
  } catch {
    return failed('unreadable', 'data is not valid UTF-8');
  }
  if (text.trim() === '') return { kind: 'empty' };
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    return failed('unreadable', `data is not JSON (${(err as Error).message})`);
  }
  const row = curatedEventRow(event, text);
  if (!row.ok) return failed('not-an-event', row.reason);
  return {
    kind: 'event',
    entry: {
      recordId: record.recordId,
      result: 'Ok',
      data: Buffer.from(`${JSON.stringify(row.row)}\n`, 'utf8').toString('base64'),
      metadata: { partitionKeys: row.partition },
    },
  };
}

function failedEntry(recordId: string): FirehoseTransformationResultRecord {
  return { recordId, result: 'ProcessingFailed', data: '' };
}

function entrySize(entry: FirehoseTransformationResultRecord): number {
  return Buffer.byteLength(JSON.stringify(entry), 'utf8');
}
