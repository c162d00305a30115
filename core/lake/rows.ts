/**
 * Rows of the curated tables, built from the records on the streams, for the local lake writer.
 * Timestamp columns are carried as epoch milliseconds, which DuckDB reads with `epoch_ms`, with no
 * time-zone guessing.
 */
import { scanJson } from '../events/json-text';
import { createdDate, windowDate } from './partitions';
import { AGGREGATES, CURATED_EVENTS, ENRICHED_EVENT_FIELDS, type TableDefinition } from './schema';

export type RowValue = string | number | null;
export type Row = Record<string, RowValue>;

export type RowResult = { readonly ok: true; readonly row: Row; readonly partition: Record<string, string> } | { readonly ok: false; readonly reason: string };

/** Event types become partition values and S3 key segments (DESIGN.md: `[a-z0-9_]+`). */
const EVENT_TYPE = /^[a-z0-9_]+$/;
/** ISO 8601 / SQL timestamps in UTC: `2026-03-17T10:15:30.000Z`, `2026-03-17 10:15:30`. */
const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|\+00:00)?$/;

/**
 * Epoch milliseconds of a UTC timestamp given as ISO 8601/SQL text or as epoch milliseconds;
 * `undefined` when the value is neither or is not a real calendar instant.
 */
export function parseUtcTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = UTC_TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return ms;
}

/**
 * The curated-events row of one enriched event: envelope and enriched fields as columns, every
 * other field in `payload` as a JSON object, and the partition values. `eventText` is the event as it
 * travelled; `payload` is cut from it, never serialised again, so big integers, `-0`, escapes and
 * key order (and a `__proto__` key) reach the lake exactly as the producer wrote them.
 */
export function curatedEventRow(event: unknown, eventText: string = JSON.stringify(event)): RowResult {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return fail(`expected an enriched event (a JSON object), got ${describe(event)}`);
  }
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  const text = (field: string, nullable = false): string | null => {
    const v = e[field];
    if (typeof v === 'string' && v.length > 0) return v;
    if (nullable && (v === null || v === undefined)) return null;
    problems.push(`${field} must be a non-empty string${nullable ? ' or null' : ''}, got ${describe(v)}`);
    return null;
  };
  const instant = (field: string): number | null => {
    const ms = parseUtcTimestamp(e[field]);
    if (typeof e[field] === 'string' && ms !== undefined) return ms;
    problems.push(`${field} must be an ISO 8601 UTC timestamp, got ${describe(e[field])}`);
    return null;
  };

  const eventType = text('event_type');
  if (eventType !== null && !EVENT_TYPE.test(eventType)) problems.push(`event_type ${JSON.stringify(eventType)} must match [a-z0-9_]+`);
  const createdAt = e.created_at;
  let date: string | null = null;
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) {
    problems.push(`created_at must be a number of Unix seconds, got ${describe(createdAt)}`);
  } else {
    try {
      date = createdDate(createdAt);
    } catch {
      problems.push(`created_at ${createdAt} is not between 1970 and 9999 in Unix seconds`);
    }
  }
  const values: Record<string, RowValue> = {
    event_uuid: text('event_uuid'),
    event_name: text('event_name'),
    event_subtype: text('event_subtype', true),
    created_at: typeof createdAt === 'number' ? createdAt : null,
    created_datetime: instant('created_datetime'),
    ingested_at: instant('ingested_at'),
    source: text('source'),
    payload: payloadText(eventText),
  };
  if (values.payload === null) problems.push("its text is beyond the JSON readers' limits (see core/events/json-text.ts)");
  if (problems.length > 0 || eventType === null || date === null) return fail(`not an enriched event: ${problems.join('; ')}`);
  return { ok: true, row: inColumnOrder(CURATED_EVENTS, values), partition: { event_type: eventType, created_date: date } };
}

/** The aggregates row of one window result from the aggregate job, and its `window_date`. */
export function aggregateRow(record: unknown): RowResult {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return fail(`expected an aggregate (a JSON object), got ${describe(record)}`);
  }
  const a = record as Record<string, unknown>;
  const problems: string[] = [];
  const start = parseUtcTimestamp(a.window_start);
  const end = parseUtcTimestamp(a.window_end);
  if (start === undefined) problems.push(`window_start must be a UTC timestamp, got ${describe(a.window_start)}`);
  if (end === undefined) problems.push(`window_end must be a UTC timestamp, got ${describe(a.window_end)}`);
  if (start !== undefined && end !== undefined && end <= start) problems.push('window_end must be after window_start');
  if (typeof a.event_type !== 'string' || !EVENT_TYPE.test(a.event_type)) problems.push(`event_type must match [a-z0-9_]+, got ${describe(a.event_type)}`);
  if (!(a.event_subtype === null || a.event_subtype === undefined || typeof a.event_subtype === 'string')) {
    problems.push(`event_subtype must be a string or null, got ${describe(a.event_subtype)}`);
  }
  if (typeof a.event_count !== 'number' || !Number.isSafeInteger(a.event_count) || a.event_count < 0) {
    problems.push(`event_count must be a non-negative integer, got ${describe(a.event_count)}`);
  }
  if (problems.length > 0 || start === undefined) return fail(`not an aggregate: ${problems.join('; ')}`);
  const values: Record<string, RowValue> = {
    window_start: start,
    window_end: end as number,
    event_type: a.event_type as string,
    event_subtype: (a.event_subtype as string | null | undefined) ?? null,
    event_count: a.event_count as number,
  };
  return { ok: true, row: inColumnOrder(AGGREGATES, values), partition: { window_date: windowDate(start) } };
}

/** The payload members of an enriched event's text, exactly as written, as one JSON object; null when the text cannot be scanned. */
export function payloadText(text: string): string | null {
  const scan = scanJson(text, text.indexOf('{'));
  if (!scan.ok) return null;
  let out = '{';
  let previous = -2;
  scan.members.forEach((m, i) => {
    if (ENRICHED_EVENT_FIELDS.includes(m.key)) return;
    // Between two payload members that were neighbours, the separator is kept as written.
    if (previous >= 0) out += previous === i - 1 ? text.slice(scan.members[previous].end, m.start) : ',';
    out += text.slice(m.start, m.end);
    previous = i;
  });
  return `${out}}`;
}

/** Keys in the table's column order, so the row and the table can never disagree on a column. */
function inColumnOrder(table: TableDefinition, values: Record<string, RowValue>): Row {
  const row: Row = {};
  for (const column of table.columns) {
    const value = values[column.name];
    if (value === undefined) throw new Error(`row of table ${table.name} has no value for column ${column.name}`);
    row[column.name] = value;
  }
  return row;
}

function fail(reason: string): RowResult {
  return { ok: false, reason };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
