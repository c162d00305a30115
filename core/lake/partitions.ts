/**
 * Partition values and key paths of the Hive-laid-out zones of the lake. Every writer and reader
 * (the archive's Firehose prefix, Glue's projection templates, the local lake) builds its paths
 * here, so a partition written by one is found by the others.
 */
import type { TableDefinition } from './schema';

/** Latest instant whose UTC year still has four digits (9999-12-31T23:59:59.999Z). */
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The UTC calendar date of an instant, `YYYY-MM-DD`. */
export function utcDate(epochMs: number): string {
  return isoOf(epochMs, 'utcDate').slice(0, 10);
}

/** The `created_date` partition of an event, from its `created_at` (Unix seconds) in UTC. */
export function createdDate(createdAtSeconds: number): string {
  return utcDate(createdAtSeconds * 1000);
}

/** The `window_date` partition of an aggregate row, from its window start (epoch millis). */
export function windowDate(windowStartMs: number): string {
  return utcDate(windowStartMs);
}

/** The raw archive's `dt`/`hour` partition of a record that arrived at `arrivalMs` (UTC). */
export function rawPartition(arrivalMs: number): { dt: string; hour: string } {
  const iso = isoOf(arrivalMs, 'rawPartition');
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/**
 * A table's partition path template, `<prefix><key>=<value>/...`, with each value produced by
 * `valueFor` (a Firehose expression, a Glue projection placeholder, or a literal).
 */
export function partitionTemplate(table: TableDefinition, valueFor: (key: string) => string): string {
  return table.prefix + table.partitionKeys.map((k) => `${k.name}=${valueFor(k.name)}/`).join('');
}

/** Values a partition path may hold: they become S3 key segments, so no separators or escapes. */
const SAFE_VALUE = /^[A-Za-z0-9_.:-]+$/;

/** The key path of one partition of `table`, e.g. `curated/events/event_type=account/created_date=2026-03-17/`. */
export function partitionPath(table: TableDefinition, values: Readonly<Record<string, string>>): string {
  const expected = table.partitionKeys.map((k) => k.name);
  const extra = Object.keys(values).filter((k) => !expected.includes(k));
  if (extra.length > 0) {
    throw new Error(`partition of table ${table.name}: unknown key(s) ${extra.join(', ')}; its keys are ${expected.join(', ')}`);
  }
  return partitionTemplate(table, (key) => {
    const value = values[key];
    if (value === undefined) {
      throw new Error(`partition of table ${table.name}: missing value for ${key}; give all of ${expected.join(', ')}`);
    }
    if (!SAFE_VALUE.test(value)) {
      throw new Error(`partition of table ${table.name}: value ${JSON.stringify(value)} for ${key} is not a safe key segment; ` + 'use letters, digits, _ . : - only');
    }
    return value;
  });
}

function isoOf(epochMs: number, what: string): string {
  if (!Number.isFinite(epochMs) || epochMs < 0 || epochMs > MAX_MS) {
    throw new Error(`${what}: ${epochMs} is not an instant between 1970 and 9999 (epoch milliseconds)`);
  }
  return new Date(epochMs).toISOString();
}
