import type { KinesisStreamRecord } from 'aws-lambda';
import { aggregateRow } from '../../core/lake/rows';

export interface TypeCounts {
  /** Events per event type in the windows of the batch. */
  readonly byType: ReadonlyMap<string, number>;
  /** Records that were not aggregates, with why. */
  readonly rejected: readonly { sequenceNumber: string; reason: string }[];
}

/**
 * Sums the `event_count` of the aggregate job's window results per event type. Each window is
 * emitted once, after its watermark, so a sum over records never counts an event twice.
 */
export function countByType(records: readonly KinesisStreamRecord[]): TypeCounts {
  const byType = new Map<string, number>();
  const rejected: { sequenceNumber: string; reason: string }[] = [];
  for (const r of records) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
    } catch {
      rejected.push({ sequenceNumber: r.kinesis.sequenceNumber, reason: 'not JSON' });
      continue;
    }
    const row = aggregateRow(parsed);
    if (!row.ok) {
      rejected.push({ sequenceNumber: r.kinesis.sequenceNumber, reason: row.reason });
      continue;
    }
    const type = row.row.event_type as string;
    byType.set(type, (byType.get(type) ?? 0) + (row.row.event_count as number));
  }
  return { byType, rejected };
}
