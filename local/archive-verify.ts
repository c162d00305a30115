/**
 * `sluice archive verify --local`: the local lake's archive against its curated `events` table.
 * Every curated event must be in the archive (curated rows are archived events after dedup and
 * filter), so the check is per hour of `ingested_at` and per event key.
 */
import { checkArchive, type ArchiveCheckResult } from '../core/archive-check';
import { directoryArchive } from '../ops/archive';
import { archiveHourCounts } from '../ops/archive-verify';
import { readEvents } from '../functions/ingest/reader';
import { archiveHourPrefix } from '../core/replay';
import { queryLocalLake } from './lake';

export interface LocalArchiveCheck extends ArchiveCheckResult {
  /** Curated events whose `(event_uuid, created_at)` the archive lacks, at most ten. */
  missingKeys: string[];
}

const HOUR = 3600_000;

export async function verifyLocalArchive(lake: string, hours: readonly number[]): Promise<LocalArchiveCheck> {
  const store = directoryArchive(lake);
  const archive = await archiveHourCounts(store, hours);
  const archivedKeys = new Set<string>();
  for (const hour of hours) {
    for (const object of await store.list(archiveHourPrefix(hour))) {
      for await (const record of readEvents(store.read(object.key), { format: 'jsonl' })) {
        try {
          const event = JSON.parse(record.text) as { event_uuid?: unknown; created_at?: unknown };
          archivedKeys.add(`${event.event_uuid} ${Number(event.created_at)}`);
        } catch {
          // A line that is not JSON is counted above and holds no key.
        }
      }
    }
  }
  const from = new Date(hours[0]).toISOString();
  const to = new Date(hours[hours.length - 1] + HOUR).toISOString();
  const { rows } = await queryLocalLake(
    lake,
    `SELECT event_uuid, CAST(created_at AS DOUBLE), epoch_ms(date_trunc('hour', CAST(ingested_at AS TIMESTAMPTZ))) FROM events
     WHERE CAST(ingested_at AS TIMESTAMPTZ) >= TIMESTAMPTZ '${from}' AND CAST(ingested_at AS TIMESTAMPTZ) < TIMESTAMPTZ '${to}'`,
  );
  const curated = new Map<number, number>();
  const missingKeys: string[] = [];
  for (const [uuid, createdAt, hour] of rows) {
    curated.set(Number(hour), (curated.get(Number(hour)) ?? 0) + 1);
    const key = `${uuid} ${Number(createdAt)}`;
    if (!archivedKeys.has(key) && missingKeys.length < 10) missingKeys.push(key);
  }
  const result = checkArchive(hours, archive, curated);
  return { ...result, complete: result.complete && missingKeys.length === 0, missingKeys };
}
