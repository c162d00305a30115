import { isCloudEvent, mapCloudEvent, validateCloudEvent } from './cloudevents';
import { checkCreatedAt, checkEventName, checkEventUuid, eventNameShape, isoFromSeconds, MAX_CREATED_AT, uuidShape } from './envelope';
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

/**
 * Validates and enriches one raw event (a JSON line, an element of a JSON array, or a stream
 * record's data). Accepts Sluice events and CloudEvents 1.0 structured JSON; returns either the
 * enriched event or every reason it was rejected.
 *
 * The enriched line is the input text with the enriched fields appended before its closing brace,
 * so payload bytes pass through untouched and the event is never serialised again, except when
 * the envelope has to be normalised (upper-case UUID or name, CloudEvents) or the input already
 * carries an enriched field.
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
    return { ok: false, reasons: [reason('not_object', `an event must be a JSON object, got ${kind}${Array.isArray(parsed) ? ' (send one event per line, or a file that is one JSON array of events)' : ''}`)] };
  }
  const event = parsed as Record<string, unknown>;
  if (isCloudEvent(event)) {
    const specProblems = validateCloudEvent(event);
    if (specProblems.length > 0) return { ok: false, reasons: specProblems };
    const mapped = mapCloudEvent(event);
    return finish(text, mapped.event, mapped.reasons.length > 0 ? mapped.reasons : undefined, true, ctx);
  }
  return finish(text, event, undefined, false, ctx);
}

function finish(text: string, event: Record<string, unknown>, earlier: Reason[] | undefined, cloudEvent: boolean, ctx: ValidationContext): ValidationResult {
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
  const carriesEnriched =
    event.created_datetime !== undefined || event.event_type !== undefined || event.event_subtype !== undefined || event.ingested_at !== undefined || event.source !== undefined;
  if (carriesEnriched) {
    for (const field of ENRICHED_FIELDS) {
      const value = event[field];
      const known = field === 'created_datetime' ? createdOk : field === 'event_type' || field === 'event_subtype' ? nameShape >= 0 : true;
      if (value === undefined || !known) continue;
      const expected =
        field === 'created_datetime' ? createdDatetime : field === 'event_type' ? eventType : field === 'event_subtype' ? eventSubtype : field === 'ingested_at' ? ctx.ingestedAt : ctx.source;
      if (value !== expected) {
        (reasons ??= []).push(
          reason('reserved_field_conflict', `${field} is set by the platform and the input's value ${show(value)} differs from ${show(expected)}; remove ${field} from the event`),
        );
      }
    }
  }

  if (nameShape >= 0) {
    const schemaProblems = ctx.registry.check(eventName, event);
    if (schemaProblems === undefined) {
      if (ctx.unknownEventNames === 'reject') {
        (reasons ??= []).push(reason('unknown_event_name', `event_name "${eventName}" has no schema in the registry and this stack rejects unknown names; add core/events/schemas/${eventName}.json or fix the name`));
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

  let json: string;
  if (cloudEvent || carriesEnriched || eventUuid !== uuid || eventName !== name) {
    event.event_uuid = eventUuid;
    event.event_name = eventName;
    Object.assign(event, { created_datetime: createdDatetime, event_type: eventType, event_subtype: eventSubtype, ingested_at: ctx.ingestedAt, source: ctx.source });
    json = JSON.stringify(event);
  } else {
    let end = text.length - 1;
    while (text.charCodeAt(end) !== 125 /* } */) end--;
    let body = text.slice(0, end);
    // Raw newlines can only sit between tokens in valid JSON, so removing them (and the indentation
    // after them) keeps the event identical while making it one line.
    if (body.indexOf('\n') >= 0 || body.indexOf('\r') >= 0) body = body.replace(NEWLINE_INDENT, '');
    json = `${body},"created_datetime":"${createdDatetime}","event_type":"${eventType}","event_subtype":${eventSubtype === null ? 'null' : `"${eventSubtype}"`}${ctx.tail}`;
  }
  if (json.length * 3 > ctx.maxEventBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > ctx.maxEventBytes) {
      return { ok: false, reasons: [reason('too_large', `the enriched event is ${bytes} bytes, above the ${ctx.maxEventBytes}-byte limit of one Kinesis record; split the payload or store large content elsewhere and send a reference`)] };
    }
  }
  return { ok: true, json, envelope };
}
