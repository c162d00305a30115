import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorRecord } from '../../core/error-zone';
import { writeAggregates, writeCuratedEvents, writeErrors, writeRawArchive } from '../../local/lake';

/** Builds an enriched event as the validator emits it. */
export function enriched(uuid: string, name: string, createdIso: string, ingestedIso: string, source: string, payload: Record<string, unknown> = {}) {
  const [type, subtype] = name.split(':');
  return {
    event_uuid: uuid,
    event_name: name,
    created_at: Date.parse(createdIso) / 1000,
    ...payload,
    created_datetime: new Date(Date.parse(createdIso)).toISOString(),
    event_type: type,
    event_subtype: subtype ?? null,
    ingested_at: ingestedIso,
    source,
  };
}

export const E1 = enriched('00000000-0000-4000-8000-000000000001', 'payment:order:completed', '2026-03-17T10:15:30.250Z', '2026-03-17T10:15:31.000Z', 'stream', { order: 'o-1', amount: 12.5 });
export const E2 = enriched('00000000-0000-4000-8000-000000000002', 'payment:order:completed', '2026-03-17T10:45:00Z', '2026-03-17T10:45:01.000Z', 'orders', { order: 'o-2', amount: 3 });
export const E3 = enriched('00000000-0000-4000-8000-000000000003', 'account:created', '2026-03-17T11:05:00Z', '2026-03-17T11:05:02.000Z', 'stream', { plan: 'free' });
export const E4 = enriched('00000000-0000-4000-8000-000000000004', 'account:created', '2026-03-18T00:00:10Z', '2026-03-18T00:00:12.000Z', 'stream', { plan: 'pro' });
export const E5 = enriched('00000000-0000-4000-8000-000000000005', 'payment:refund', '2026-03-17T23:59:59Z', '2026-03-18T00:00:05.000Z', 'orders', { order: 'o-1' });

/** The deduplicated events, as they leave the dedup-filter job. */
export const CURATED = [E1, E2, E3, E4, E5];
/** The events stream before dedup: E1 arrived three times, E2 twice. */
export const RAW = [E1, E1, E1, E2, E2, E3, E4, E5];

export const AGGREGATE_ROWS = [
  { window_start: '2026-03-17 10:15:00', window_end: '2026-03-17 10:15:30', event_type: 'payment', event_subtype: 'order', event_count: 1 },
  { window_start: '2026-03-17 10:15:30', window_end: '2026-03-17 10:16:00', event_type: 'payment', event_subtype: 'order', event_count: 2 },
  { window_start: '2026-03-17T10:45:00.000Z', window_end: '2026-03-17T10:46:00.000Z', event_type: 'payment', event_subtype: 'order', event_count: 1 },
  { window_start: '2026-03-17 11:05:00.000', window_end: '2026-03-17 11:06:00.000', event_type: 'account', event_subtype: 'created', event_count: 1 },
  { window_start: '2026-03-17 23:59:00', window_end: '2026-03-18 00:00:00', event_type: 'payment', event_subtype: 'refund', event_count: 1 },
  { window_start: '2026-03-18 00:00:00', window_end: '2026-03-18 00:01:00', event_type: 'account', event_subtype: 'created', event_count: 1 },
];

const error = (source: string, reason: string, raw: string, where: Partial<ErrorRecord['error']> = {}): ErrorRecord => ({
  error: { reasons: [reason], source, ...where },
  raw,
});

export const ERROR_RECORDS: ErrorRecord[] = [
  error('orders', 'created_at looks like milliseconds', '{"created_at":1773742530000}', { object_key: 'orders/2026/03/17/a.jsonl', line: 3 }),
  error('stream', 'not JSON', 'hello', { sequence_number: '4954698668313554428650745793632162567570019247115678515' }),
  error('stream', 'event_name is missing', '{}', { sequence_number: '4954698668313554428650745793632162567570019247115678516' }),
  error('legacy', 'not JSON', '<xml/>', { object_key: 'legacy/x.xml', line: 1 }),
];

export const jsonl = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join('\n') + '\n';

/** A local lake laid out as the lake bucket, with every zone written by the local lake writer. */
export async function buildFixtureLake(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lake-test-'));
  await writeCuratedEvents(dir, jsonl(CURATED), { batch: 'fixture' });
  await writeAggregates(dir, jsonl(AGGREGATE_ROWS), { batch: 'fixture' });
  await writeRawArchive(dir, jsonl(RAW), { batch: 'fixture' });
  await writeErrors(dir, ERROR_RECORDS, { batch: 'fixture', at: new Date('2026-03-17T12:00:00Z') });
  return dir;
}
