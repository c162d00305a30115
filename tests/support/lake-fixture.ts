import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPlatformJobs } from '../../local/flink';
import { defaultProcessingConfig } from '../../stacks/load';
import type { ErrorRecord } from '../../core/error-zone';
import { writeErrors, writeRawArchive } from '../../local/lake';

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

/**
 * The windows the aggregate job makes of CURATED (1-minute windows): E5 (23:59:59) arrives after
 * E4 (00:00:10) but within the 30 s allowed lateness, so it is counted.
 */
export const AGGREGATE_ROWS = [
  { window_start: '2026-03-17 10:15:00', window_end: '2026-03-17 10:16:00', event_type: 'payment', event_subtype: 'order', event_count: '1' },
  { window_start: '2026-03-17 10:45:00', window_end: '2026-03-17 10:46:00', event_type: 'payment', event_subtype: 'order', event_count: '1' },
  { window_start: '2026-03-17 11:05:00', window_end: '2026-03-17 11:06:00', event_type: 'account', event_subtype: 'created', event_count: '1' },
  { window_start: '2026-03-17 23:59:00', window_end: '2026-03-18 00:00:00', event_type: 'payment', event_subtype: 'refund', event_count: '1' },
  { window_start: '2026-03-18 00:00:00', window_end: '2026-03-18 00:01:00', event_type: 'account', event_subtype: 'created', event_count: '1' },
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

let shared: Promise<string> | undefined;

/**
 * A local lake laid out as the lake bucket: the curated Iceberg tables written by the Flink jobs
 * from RAW (dedup-filter, then aggregate on what it kept), the raw archive and the error zone by
 * the local lake writer. Built once per test process (two mini-cluster runs) and removed when the
 * process exits; tests only read it.
 */
export function buildFixtureLake(): Promise<string> {
  shared ??= build();
  return shared;
}

async function build(): Promise<string> {
  const lake = mkdtempSync(join(tmpdir(), 'sluice-lake-test-'));
  process.on('exit', () => rmSync(lake, { recursive: true, force: true }));
  const work = mkdtempSync(join(tmpdir(), 'sluice-lake-work-'));
  try {
    writeFileSync(join(work, 'events.jsonl'), jsonl(RAW));
    await Promise.all(launchPlatformJobs(join(work, 'events.jsonl'), work, lake, { processing: defaultProcessingConfig() }).summaries);
    await writeRawArchive(lake, jsonl(RAW), { batch: 'fixture' });
    await writeErrors(lake, ERROR_RECORDS, { batch: 'fixture', at: new Date('2026-03-17T12:00:00Z') });
    return lake;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
