import { isCloudEvent, mapCloudEvent, validateCloudEvent } from './cloudevents';
import { checkCreatedAt, checkEventName, checkEventUuid, eventNameShape, isoFromSeconds, MAX_CREATED_AT, uuidShape } from './envelope';
import { lowerCase, Member, scanJson } from './json-text';
import { Reason, reason, show } from './reasons';
import { SchemaRegistry } from './registry';

/** Kinesis accepts at most 1 MiB per record, partition key (at most 256 bytes) included. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_EVENT_BYTES = KINESIS_MAX_RECORD_BYTES - 256;

/** Field names the platform adds; an input may carry one only with the value the platform would set. */
export const ENRICHED_FIELDS = ['created_datetime', 'event_type', 'event_subtype', 'ingested_at', 'source'] as const;

/** Everything the validator needs besides the text; build it once per source with {@link createContext}. */
export interface ValidationContext {
  /** The configured source name (a file-drop source, or `stream`), written into `source`. */
  readonly source: string;
  readonly registry: SchemaRegistry;
  /** What happens to an event whose name has no schema (stack config `validation.unknownEventNames`). */
  readonly unknownEventNames: 'accept' | 'reject';
  /** `ingested_at` stamped on accepted events; refresh with {@link stampIngestedAt} per batch or file. */
  ingestedAt: string;
  /** The largest enriched event accepted, in bytes (default: what fits in one Kinesis record). */
  readonly maxEventBytes: number;
  /** `,"ingested_at":"...","source":"..."}`: the constant tail of every enriched line, built once. */
  tail: string;
}

export interface ContextOptions {
  source: string;
  registry: SchemaRegistry;
  unknownEventNames?: 'accept' | 'reject';
  ingestedAt?: Date;
  maxEventBytes?: number;
}

/** Builds a validation context (default: unknown event names accepted, `ingested_at` = now). */
export function createContext(opts: ContextOptions): ValidationContext {
  const ctx: ValidationContext = {
    source: opts.source,
    registry: opts.registry,
    unknownEventNames: opts.unknownEventNames ?? 'accept',
    maxEventBytes: opts.maxEventBytes ?? MAX_EVENT_BYTES,
    ingestedAt: '',
    tail: '',
  };
  stampIngestedAt(ctx, opts.ingestedAt ?? new Date());
  return ctx;
}

/** Sets the `ingested_at` time of the events validated from now on. */
export function stampIngestedAt(ctx: ValidationContext, at: Date): void {
  ctx.ingestedAt = at.toISOString();
  ctx.tail = `,"ingested_at":"${ctx.ingestedAt}","source":${JSON.stringify(ctx.source)}}`;
}

/** The envelope of an accepted event, enriched fields included. */
export interface Envelope {
  readonly event_uuid: string;
  readonly event_name: string;
  readonly created_at: number;
  readonly created_datetime: string;
  readonly event_type: string;
  readonly event_subtype: string | null;
  readonly ingested_at: string;
  readonly source: string;
}

export type ValidationResult =
  | {
      readonly ok: true;
      /** The enriched event as one line of JSON (no newline): the input's bytes plus the enriched fields. */
      readonly json: string;
      readonly envelope: Envelope;
    }
  | { readonly ok: false; readonly reasons: Reason[] };

const NEWLINE_INDENT = /[\r\n]+[ \t]*/g;

/** Names an input key must not differ from only in case: they are read case-insensitively downstream. */
const RESERVED_LOWER: ReadonlySet<string> = new Set(['event_uuid', 'event_name', 'created_at', 'cloudevent', ...ENRICHED_FIELDS]);

/** Where the enriched line's fields come from in the input text. */
type Layout =
  | { readonly kind: 'event'; readonly text: string; readonly members: readonly Member[] }
  | { readonly kind: 'cloudevent'; readonly text: string; readonly attributes: readonly Member[]; readonly data?: Member; readonly dataMembers?: readonly Member[]; readonly dataBase64?: Member };

/**
 * Validates and enriches one raw event (a JSON line, an element of a JSON array, or a stream
 * record's data). Accepts Sluice events and CloudEvents 1.0 structured JSON; returns either the
 * enriched event or every reason it was rejected.
 *
 * The enriched line is made from the input text, never from a parsed copy: the payload's bytes
 * (big integers, `-0`, `1e400`, escapes, key order) pass through untouched. Normalised envelope
 * values (a lower-cased UUID or name) replace the value's text in place, the enriched fields are
 * appended before the closing brace, and a CloudEvent's data members and attributes are copied
 * as written. An event that a downstream reader would read differently (see json-text.ts) is
 * refused with the reason.
 */
export function validateLine(text: string, ctx: ValidationContext): ValidationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, reasons: [reason('not_json', `not valid JSON: ${(err as Error).message}`)] };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return {
      ok: false,
      reasons: [reason('not_object', `an event must be a JSON object, got ${kind}${Array.isArray(parsed) ? ' (send one event per line, or a file that is one JSON array of events)' : ''}`)],
    };
  }
  const scan = scanJson(text, text.indexOf('{'));
  if (!scan.ok) return { ok: false, reasons: scan.reasons };
  const event = parsed as Record<string, unknown>;
  if (isCloudEvent(event)) {
    const specProblems = validateCloudEvent(event);
    if (specProblems.length > 0) return { ok: false, reasons: specProblems };
    const mapped = mapCloudEvent(event);
    const reasons = [...mapped.reasons];
    const member = (name: string) => scan.members.find((m) => m.key === name);
    const data = event.data !== null && event.data !== undefined ? member('data') : undefined;
    let dataMembers: Member[] | undefined;
    if (data && typeof event.data === 'object' && !Array.isArray(event.data)) {
      const inner = scanJson(text, data.valueStart, 'data');
      dataMembers = inner.ok ? inner.members : [];
      reasons.push(...caseCollisions(dataMembers, 'CloudEvents data'));
    }
    const attributes = scan.members.filter((m) => !CLOUDEVENT_MAPPED.has(m.key) && event[m.key] !== null);
    const dataBase64 = event.data_base64 !== null && event.data_base64 !== undefined ? member('data_base64') : undefined;
    const layout: Layout = { kind: 'cloudevent', text, attributes, data, dataMembers, dataBase64 };
    return finish(layout, mapped.event, reasons.length > 0 ? reasons : undefined, true, ctx);
  }
  const collisions = caseCollisions(scan.members, 'the event');
  return finish({ kind: 'event', text, members: scan.members }, event, collisions.length > 0 ? collisions : undefined, false, ctx);
}

/** CloudEvents attributes that become envelope fields or payload, not `cloudevent` attributes. */
const CLOUDEVENT_MAPPED: ReadonlySet<string> = new Set(['id', 'type', 'time', 'data', 'data_base64']);

function caseCollisions(members: readonly Member[], where: string): Reason[] {
  const reasons: Reason[] = [];
  for (const m of members) {
    const lower = lowerCase(m.key);
    if (lower !== m.key && RESERVED_LOWER.has(lower)) {
      reasons.push(
        reason('case_collision', `${where} has the key ${show(m.key)}, which differs from the platform's field ${show(lower)} only in case; Athena and DuckDB read keys case-insensitively, rename it`),
      );
    }
  }
  return reasons;
}

function finish(layout: Layout, event: Record<string, unknown>, earlier: Reason[] | undefined, cloudEvent: boolean, ctx: ValidationContext): ValidationResult {
  const uuid = event.event_uuid;
  const name = event.event_name;
  const createdAt = event.created_at;
  let reasons = earlier;
  // Fast shape tests first; the detailed checks (which word the reasons) run only on failure.
  const uuidShapeOf = typeof uuid === 'string' ? uuidShape(uuid) : 0;
  const nameShape = typeof name === 'string' ? eventNameShape(name) : -1;
  const createdOk = typeof createdAt === 'number' && createdAt >= 0 && createdAt <= MAX_CREATED_AT;
  if (uuidShapeOf === 0) (reasons ??= []).push(...checkEventUuid(uuid));
  if (nameShape < 0) (reasons ??= []).push(...checkEventName(name));
  // A CloudEvent without `time` was reported by the mapping already.
  if (!createdOk && !(cloudEvent && createdAt === undefined)) (reasons ??= []).push(...checkCreatedAt(createdAt, cloudEvent ? 'time' : 'created_at'));

  let eventName = '';
  let eventType = '';
  let eventSubtype: string | null = null;
  if (nameShape >= 0) {
    eventName = nameShape > 0 ? (name as string).toLowerCase() : (name as string);
    const first = eventName.indexOf(':');
    if (first < 0) {
      eventType = eventName;
    } else {
      eventType = eventName.slice(0, first);
      const second = eventName.indexOf(':', first + 1);
      eventSubtype = second < 0 ? eventName.slice(first + 1) : eventName.slice(first + 1, second);
    }
  }
  const createdDatetime = createdOk ? isoFromSeconds(createdAt as number) : '';

  // Reserved fields: present only with the value the platform would set.
  const carriesEnriched = event.created_datetime !== undefined || event.event_type !== undefined || event.event_subtype !== undefined || event.ingested_at !== undefined || event.source !== undefined;
  if (carriesEnriched) {
    for (const field of ENRICHED_FIELDS) {
      const value = event[field];
      const known = field === 'created_datetime' ? createdOk : field === 'event_type' || field === 'event_subtype' ? nameShape >= 0 : true;
      if (value === undefined || !known) continue;
      const expected =
        field === 'created_datetime' ? createdDatetime : field === 'event_type' ? eventType : field === 'event_subtype' ? eventSubtype : field === 'ingested_at' ? ctx.ingestedAt : ctx.source;
      if (value !== expected) {
        (reasons ??= []).push(reason('reserved_field_conflict', `${field} is set by the platform and the input's value ${show(value)} differs from ${show(expected)}; remove ${field} from the event`));
      }
    }
  }

  if (nameShape >= 0) {
    const schemaProblems = ctx.registry.check(eventName, event);
    if (schemaProblems === undefined) {
      if (ctx.unknownEventNames === 'reject') {
        (reasons ??= []).push(
          reason('unknown_event_name', `event_name "${eventName}" has no schema in the registry and this stack rejects unknown names; add core/events/schemas/${eventName}.json or fix the name`),
        );
      }
    } else if (schemaProblems.length > 0) {
      (reasons ??= []).push(...schemaProblems);
    }
  }
  if (reasons && reasons.length > 0) return { ok: false, reasons };

  const eventUuid = uuidShapeOf === 2 ? (uuid as string).toLowerCase() : (uuid as string);
  const envelope: Envelope = {
    event_uuid: eventUuid,
    event_name: eventName,
    created_at: createdAt as number,
    created_datetime: createdDatetime,
    event_type: eventType,
    event_subtype: eventSubtype,
    ingested_at: ctx.ingestedAt,
    source: ctx.source,
  };

  const json = enrichedText(layout, envelope, ctx.tail);
  if (json.length * 3 > ctx.maxEventBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > ctx.maxEventBytes) {
      return {
        ok: false,
        reasons: [
          reason(
            'too_large',
            `the enriched event is ${bytes} bytes, above the ${ctx.maxEventBytes}-byte limit of one Kinesis record; split the payload or store large content elsewhere and send a reference`,
          ),
        ],
      };
    }
  }
  return { ok: true, json, envelope };
}

/** Bits of {@link carriedFields}: which enriched fields the input carries itself. */
const CARRIES_CREATED_DATETIME = 1;
const CARRIES_EVENT_TYPE = 2;
const CARRIES_EVENT_SUBTYPE = 4;
const CARRIES_INGESTED_AT = 8;
const CARRIES_SOURCE = 16;

/** The enriched fields among the members' keys, as bits; one pass, no Set per event. */
function carriedFields(members: readonly Member[]): number {
  let carried = 0;
  for (const m of members) {
    switch (m.key) {
      case 'created_datetime':
        carried |= CARRIES_CREATED_DATETIME;
        break;
      case 'event_type':
        carried |= CARRIES_EVENT_TYPE;
        break;
      case 'event_subtype':
        carried |= CARRIES_EVENT_SUBTYPE;
        break;
      case 'ingested_at':
        carried |= CARRIES_INGESTED_AT;
        break;
      case 'source':
        carried |= CARRIES_SOURCE;
        break;
    }
  }
  return carried;
}

/** The enriched event's text, spliced from the input's text (see {@link validateLine}). */
function enrichedText(layout: Layout, envelope: Envelope, tail: string): string {
  const { text } = layout;
  let out: string;
  let carried: number;
  if (layout.kind === 'event') {
    const { members } = layout;
    out = '';
    let at = text.indexOf('{');
    // Members are in text order, so the normalised values are spliced in one pass.
    for (const m of members) {
      const value = m.key === 'event_uuid' ? envelope.event_uuid : m.key === 'event_name' ? envelope.event_name : undefined;
      if (value !== undefined && text.slice(m.valueStart + 1, m.end - 1) !== value) {
        out += text.slice(at, m.valueStart) + JSON.stringify(value);
        at = m.end;
      }
    }
    out += text.slice(at, text.lastIndexOf('}'));
    carried = carriedFields(members);
  } else {
    out = `{"event_uuid":${JSON.stringify(envelope.event_uuid)},"event_name":${JSON.stringify(envelope.event_name)},"created_at":${JSON.stringify(envelope.created_at)}`;
    if (layout.dataMembers) {
      for (const m of layout.dataMembers) out += `,${text.slice(m.start, m.end)}`;
    } else if (layout.data) {
      out += `,"data":${text.slice(layout.data.valueStart, layout.data.end)}`;
    }
    if (layout.dataBase64) out += `,"data_base64":${text.slice(layout.dataBase64.valueStart, layout.dataBase64.end)}`;
    out += `,"cloudevent":{${layout.attributes.map((m) => text.slice(m.start, m.end)).join(',')}}`;
    carried = carriedFields(layout.dataMembers ?? []);
  }
  if ((carried & CARRIES_CREATED_DATETIME) === 0) out += `,"created_datetime":"${envelope.created_datetime}"`;
  if ((carried & CARRIES_EVENT_TYPE) === 0) out += `,"event_type":"${envelope.event_type}"`;
  if ((carried & CARRIES_EVENT_SUBTYPE) === 0) out += envelope.event_subtype === null ? ',"event_subtype":null' : `,"event_subtype":"${envelope.event_subtype}"`;
  if ((carried & (CARRIES_INGESTED_AT | CARRIES_SOURCE)) === 0) {
    out += tail;
  } else {
    if ((carried & CARRIES_INGESTED_AT) === 0) out += `,"ingested_at":"${envelope.ingested_at}"`;
    if ((carried & CARRIES_SOURCE) === 0) out += `,"source":${JSON.stringify(envelope.source)}`;
    out += '}';
  }
  // Raw newlines can only sit between tokens in valid JSON, so removing them (and the indentation
  // after them) keeps the event identical while making it one line.
  return out.indexOf('\n') >= 0 || out.indexOf('\r') >= 0 ? out.replace(NEWLINE_INDENT, '') : out;
}
