import { fullFormats } from 'ajv-formats/dist/formats';
import { Reason, reason, show } from './reasons';

/**
 * CloudEvents 1.0 structured JSON: validation to the spec and mapping to a Sluice event.
 *
 * Beyond the official JSON schema this enforces the rules it misses (see the conformance
 * vectors): `specversion` must be exactly "1.0"; extension names are lower-case ASCII letters and
 * digits only; extension values are strings, booleans or 32-bit integers; `data` and `data_base64`
 * are mutually exclusive; `time` is RFC 3339 with a full `hh:mm` offset; `datacontenttype` is an
 * RFC 2046 media type.
 */

const CORE = new Set(['specversion', 'id', 'source', 'type', 'datacontenttype', 'dataschema', 'subject', 'time', 'data', 'data_base64']);
const EXTENSION_NAME = /^[a-z0-9]+$/;
// RFC 2045 token: any US-ASCII except space, controls and tspecials ()<>@,;:\"/[]?=
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*"))*$`);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Control characters, surrogates and non-characters are not allowed in CloudEvents strings.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAPPED_FIELDS = new Set(['event_uuid', 'event_name', 'created_at', 'cloudevent']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const isUri = fullFormats.uri as (s: string) => boolean;
const URI_REFERENCE = fullFormats['uri-reference'] as RegExp;

const bad = (message: string): Reason => reason('invalid_cloudevent', `CloudEvents: ${message}`);

/** True when the object is meant as a CloudEvent (it carries `specversion`). */
export const isCloudEvent = (obj: Record<string, unknown>): boolean => 'specversion' in obj;

function daysInMonth(year: number, month: number): number {
  return [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Parses an RFC 3339 timestamp to Unix milliseconds; `undefined` when it is not one. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  // A leap second (:60) is the last instant of its minute.
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), second === 60 ? 999 : millis);
  return utc - offsetMinutes * 60000;
}

function checkString(name: string, value: unknown, required: boolean): Reason[] {
  if (value === undefined || value === null) return required ? [bad(`"${name}" is required`)] : [];
  if (typeof value !== 'string') return [bad(`"${name}" must be a string, got ${typeof value} ${show(value)}`)];
  if (value.length === 0) return [bad(`"${name}" must not be empty`)];
  if (FORBIDDEN_CHARS.test(value)) return [bad(`"${name}" contains a control character or unpaired surrogate, which CloudEvents strings do not allow`)];
  return [];
}

/** Validates a CloudEvent in structured JSON form against the CloudEvents 1.0 spec; returns every problem found. */
export function validateCloudEvent(ce: Record<string, unknown>): Reason[] {
  const reasons: Reason[] = [];
  const add = (rs: Reason[]) => reasons.push(...rs);

  add(checkString('specversion', ce.specversion, true));
  if (typeof ce.specversion === 'string' && ce.specversion !== '' && ce.specversion !== '1.0') {
    reasons.push(bad(`unsupported "specversion" ${show(ce.specversion)}; only "1.0" is accepted`));
  }
  add(checkString('id', ce.id, true));
  add(checkString('type', ce.type, true));
  const sourceProblems = checkString('source', ce.source, true);
  add(sourceProblems);
  if (sourceProblems.length === 0 && !URI_REFERENCE.test(ce.source as string)) {
    reasons.push(bad(`"source" must be a URI-reference (RFC 3986), got ${show(ce.source)}`));
  }
  const subjectProblems = checkString('subject', ce.subject, false);
  add(subjectProblems);

  const dctProblems = checkString('datacontenttype', ce.datacontenttype, false);
  add(dctProblems);
  if (dctProblems.length === 0 && typeof ce.datacontenttype === 'string' && !MEDIA_TYPE.test(ce.datacontenttype)) {
    reasons.push(bad(`"datacontenttype" must be an RFC 2046 media type such as "application/json", got ${show(ce.datacontenttype)}`));
  }
  const schemaProblems = checkString('dataschema', ce.dataschema, false);
  add(schemaProblems);
  if (schemaProblems.length === 0 && typeof ce.dataschema === 'string' && !isUri(ce.dataschema)) {
    reasons.push(bad(`"dataschema" must be an absolute URI, got ${show(ce.dataschema)}`));
  }
  const timeProblems = checkString('time', ce.time, false);
  add(timeProblems);
  if (timeProblems.length === 0 && typeof ce.time === 'string' && parseRfc3339(ce.time) === undefined) {
    reasons.push(bad(`"time" must be an RFC 3339 timestamp with a "Z" or "+hh:mm" offset, e.g. "2026-03-17T10:15:30.000Z", got ${show(ce.time)}`));
  }
  const hasData = ce.data !== undefined && ce.data !== null;
  const hasBase64 = ce.data_base64 !== undefined && ce.data_base64 !== null;
  if (hasData && hasBase64) reasons.push(bad('"data" and "data_base64" are mutually exclusive; send one of them'));
  if (hasBase64 && (typeof ce.data_base64 !== 'string' || !BASE64.test(ce.data_base64))) {
    reasons.push(bad(`"data_base64" must be a base64 string, got ${show(ce.data_base64)}`));
  }

  for (const [name, value] of Object.entries(ce)) {
    if (CORE.has(name)) continue;
    if (!EXTENSION_NAME.test(name)) {
      reasons.push(bad(`extension attribute name ${show(name)} must use only lower-case letters a-z and digits 0-9`));
    }
    if (value === null) continue;
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        reasons.push(bad(`extension attribute ${show(name)} is the number ${value}; numeric attributes must be 32-bit integers (send a string for other numbers)`));
      }
    } else if (typeof value === 'string') {
      if (FORBIDDEN_CHARS.test(value)) reasons.push(bad(`extension attribute ${show(name)} contains a control character or unpaired surrogate`));
    } else if (typeof value !== 'boolean') {
      reasons.push(bad(`extension attribute ${show(name)} must be a string, boolean or integer, got ${Array.isArray(value) ? 'array' : typeof value}`));
    }
  }
  return reasons;
}

/**
 * Maps a spec-valid CloudEvent to a Sluice event: `id` -> `event_uuid`, `type` -> `event_name`,
 * `time` -> `created_at` (Unix seconds, millisecond precision), the fields of an object `data` ->
 * payload fields. Nothing is lost: the remaining CloudEvents attributes (source, subject,
 * extensions, ...) go to a `cloudevent` payload object, and non-object data stays as `data` or
 * `data_base64`. Returns the event and the mapping problems (missing `time`, data fields that
 * collide with the envelope).
 */
export function mapCloudEvent(ce: Record<string, unknown>): { event: Record<string, unknown>; reasons: Reason[] } {
  const reasons: Reason[] = [];
  // Objects without a prototype: a data key `__proto__` or `constructor` is an ordinary field, so
  // no input can set a prototype or lend the event inherited fields a schema would count.
  const event = Object.create(null) as Record<string, unknown>;
  event.event_uuid = ce.id;
  event.event_name = ce.type;
  // `time` was checked by validateCloudEvent: a string here is a valid RFC 3339 timestamp.
  if (typeof ce.time === 'string') {
    const millis = parseRfc3339(ce.time);
    if (millis !== undefined) event.created_at = millis / 1000;
  } else {
    reasons.push(reason('missing_field', 'CloudEvents: "time" is required by this platform (it becomes created_at); send an RFC 3339 timestamp'));
  }
  const attributes = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(ce)) {
    if (name === 'id' || name === 'type' || name === 'time' || name === 'data' || value === null) continue;
    attributes[name] = value;
  }
  const data = ce.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
      if (MAPPED_FIELDS.has(name)) {
        reasons.push(reason('reserved_field_conflict', `CloudEvents: data field ${show(name)} collides with the envelope field of the same name; rename it in data`));
        continue;
      }
      event[name] = value;
    }
  } else if (data !== undefined && data !== null) {
    event.data = data;
  }
  if (attributes.data_base64 !== undefined) {
    event.data_base64 = attributes.data_base64;
    delete attributes.data_base64;
  }
  event.cloudevent = attributes;
  return { event, reasons };
}
