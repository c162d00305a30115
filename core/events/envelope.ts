import { Reason, reason, show } from './reasons';

/** The largest `created_at` accepted: 9999-12-31T23:59:59.999Z, in seconds. */
export const MAX_CREATED_AT = 253402300799.999;
export const MAX_EVENT_NAME_LENGTH = 128;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ASCII only, checked before lower-casing: 'K' (U+212A KELVIN SIGN) lower-cases to an ASCII 'k'
// and must not slip through as a valid name.
const EVENT_NAME = /^[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)*$/;

/** Checks `event_uuid`; returns the reasons (empty when valid). */
export function checkEventUuid(value: unknown, field = 'event_uuid'): Reason[] {
  if (value === undefined || value === null) return [reason('missing_field', `${field} is required: send a UUID string such as "7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f57"`)];
  if (typeof value !== 'string') return [reason('invalid_uuid', `${field} must be a UUID string, got ${typeof value} ${show(value)}`)];
  if (UUID.test(value)) return [];
  const bare = value.replace(/^urn:uuid:/i, '').replace(/^\{(.*)\}$/, '$1');
  const hint = bare !== value && UUID.test(bare) ? ` (send the bare form "${bare.toLowerCase()}")` : ' (36 characters: 8-4-4-4-12 hexadecimal digits)';
  return [reason('invalid_uuid', `${field} must be a UUID, got ${show(value)}${hint}`)];
}

/** Checks `event_name` against `part(:part)*`, parts of [a-z0-9_] after lower-casing, at most 128 characters. */
export function checkEventName(value: unknown, field = 'event_name'): Reason[] {
  if (value === undefined || value === null) return [reason('missing_field', `${field} is required: send a name such as "lesson:started" (parts of a-z, 0-9, _ separated by ":")`)];
  if (typeof value !== 'string') return [reason('invalid_event_name', `${field} must be a string such as "lesson:started", got ${typeof value} ${show(value)}`)];
  const problems: string[] = [];
  if (value.length === 0) problems.push('it is empty');
  if (value.length > MAX_EVENT_NAME_LENGTH) problems.push(`it is ${value.length} characters long, the limit is ${MAX_EVENT_NAME_LENGTH}`);
  if (value.length > 0 && !EVENT_NAME.test(value)) {
    if (value.split(':').some((p) => p.length === 0)) problems.push('it has an empty part (leading, trailing or doubled ":")');
    const bad = [...new Set(value.replace(/[A-Za-z0-9_:]/g, ''))];
    if (bad.length > 0) problems.push(`it contains ${bad.map((c) => JSON.stringify(c)).join(', ')}; only a-z, 0-9, _ and ":" between parts are allowed`);
  }
  if (problems.length === 0) return [];
  return [reason('invalid_event_name', `${field} ${show(value)} is not a valid event name: ${problems.join('; ')} (e.g. "payment:order:completed")`)];
}

/** Checks `created_at`: finite Unix seconds (integer or decimal), not negative, not after year 9999, never milliseconds. */
export function checkCreatedAt(value: unknown, field = 'created_at'): Reason[] {
  if (value === undefined || value === null) return [reason('missing_field', `${field} is required: send Unix time in seconds, e.g. 1767225600 or 1767225600.123`)];
  if (typeof value !== 'number') {
    const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
    const hint = Number.isFinite(parsed) ? ` (for ${show(value)} send ${parsed / 1000})` : '';
    return [reason('invalid_created_at', `${field} must be a number of seconds since the Unix epoch, got ${typeof value} ${show(value)}${hint}`)];
  }
  if (!Number.isFinite(value)) return [reason('invalid_created_at', `${field} must be a finite number of seconds, got ${value}`)];
  if (value < 0) return [reason('invalid_created_at', `${field} must not be negative, got ${value}`)];
  if (value >= 1e12 && value < 1e13) {
    return [reason('created_at_milliseconds', `${field} ${value} looks like milliseconds (13 digits); send seconds, e.g. ${value / 1000}`)];
  }
  if (value > MAX_CREATED_AT) return [reason('invalid_created_at', `${field} ${value} is after the year 9999; send Unix time in seconds`)];
  return [];
}

/**
 * Fast shape test of a UUID string: 0 when it is not one, 1 when it is lower-case, 2 when it has
 * upper-case hex digits (to be stored lower-case). A loop over char codes, as the regex costs
 * several times more on the hot path.
 */
export function uuidShape(s: string): 0 | 1 | 2 {
  if (s.length !== 36) return 0;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return 0;
    } else if (c >= 97 && c <= 102) {
      continue;
    } else if (c >= 65 && c <= 70) {
      upper = true;
    } else if (c < 48 || c > 57) {
      return 0;
    }
  }
  return upper ? 2 : 1;
}

/**
 * Fast shape test of an event name: -1 when it is not valid, else the count of upper-case letters
 * (0 means it is already stored as sent).
 */
export function eventNameShape(s: string): number {
  const n = s.length;
  if (n === 0 || n > MAX_EVENT_NAME_LENGTH) return -1;
  let upper = 0;
  let partLength = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) {
      partLength++;
    } else if (c >= 65 && c <= 90) {
      partLength++;
      upper++;
    } else if (c === 58) {
      if (partLength === 0) return -1;
      partLength = 0;
    } else {
      return -1;
    }
  }
  return partLength === 0 ? -1 : upper;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD3 = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, '0'));
let cachedDay = NaN;
let cachedDayPrefix = '';

/**
 * ISO 8601 UTC with milliseconds for Unix seconds, rounded to the millisecond; identical to
 * `new Date(ms).toISOString()` for years 0..9999. The date part is cached per day and the time
 * part built from lookup tables, a fraction of the cost of `toISOString` per event.
 */
export function isoFromSeconds(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const day = Math.floor(ms / 86400000);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * 86400000).toISOString().slice(0, 11);
  }
  let rest = ms - day * 86400000;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const m = Math.floor(rest / 60000);
  rest -= m * 60000;
  const sec = Math.floor(rest / 1000);
  return `${cachedDayPrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[sec]}.${PAD3[rest - sec * 1000]}Z`;
}
