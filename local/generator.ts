/**
 * Deterministic load generator: raw JSON lines of realistic ~1 KB events over many event names,
 * with exact shares of duplicates, invalid lines and late events. The same options always produce
 * the same bytes (seeded PRNG, timestamps from a seed-derived base time, never the wall clock), so
 * tests and benchmarks can compare every count against {@link GeneratorStats}.
 */

import type { ReasonCode } from '../core/events/reasons';

/** Reader-disagreement codes: hostile shapes the generator does not produce (the contract tests and the property test do). */
type ReaderDisagreement = 'beyond_reader_limits' | 'duplicate_key' | 'case_collision' | 'unreadable_text';

/** The validator's reason code each kind of generated invalid line is rejected with first. */
export type InvalidKind = Exclude<ReasonCode, 'unknown_event_name' | 'invalid_cloudevent' | 'too_large' | 'unreadable_object' | ReaderDisagreement | 'invalid_utf8' | 'undelivered'>;

export const INVALID_KINDS: readonly InvalidKind[] = [
  'not_json',
  'not_object',
  'missing_field',
  'invalid_uuid',
  'invalid_event_name',
  'created_at_milliseconds',
  'invalid_created_at',
  'schema_violation',
  'reserved_field_conflict',
];

export interface GeneratorOptions {
  /** Total number of lines to produce (valid, duplicate, invalid and late together). */
  events: number;
  /** PRNG seed; the same seed gives the same lines. Default 1. */
  seed?: number;
  /** Share (0..1) of lines that are exact re-sent copies of an earlier valid event. Default 0. */
  duplicates?: number;
  /** Share (0..1) of lines that fail validation. Default 0. */
  invalid?: number;
  /** Share (0..1) of valid, unique events whose `created_at` is far behind the stream's maximum. Default 0. */
  late?: number;
  /** How many distinct event names to draw from (1..100). Default 100. */
  eventNames?: number;
  /** Average stream rate in event time; sets how far `created_at` advances per line. Default 100. */
  ratePerSecond?: number;
  /**
   * How far behind the largest `created_at` so far a late event is, in seconds, as [min, max].
   * Default [600, 3600]: well past a 30 s allowed lateness plus a 60 s window, so a watermark of
   * "max created_at minus allowed lateness" has closed the late event's window before it arrives.
   */
  lateBySeconds?: readonly [number, number];
}

export interface EventNameCounts {
  /** Unique valid events of this name that are not late. */
  onTime: number;
  /** Unique valid events of this name that are late. */
  late: number;
}

/** What a generator run produced. Complete once its lines have been consumed to the end. */
export interface GeneratorStats {
  /** Lines produced so far (equals `events` when complete). */
  lines: number;
  /** Bytes of the lines produced, each with its newline: the size of the file they make. */
  bytes: number;
  /** Lines that pass validation: unique on-time + late + duplicates. */
  valid: number;
  /** Distinct valid events (on-time + late). */
  unique: number;
  /** Unique valid events that are not late. */
  onTime: number;
  /** Unique valid events behind the stream's maximum `created_at` by `lateBySeconds`. */
  late: number;
  /** Exact copies of earlier valid lines. */
  duplicates: number;
  /** Copies re-sent seconds (5..120 s of event time) after their original. */
  duplicatesSecondsLater: number;
  /** Copies re-sent hours (1..3 h of event time) after their original, or at the end of a shorter stream. */
  duplicatesHoursLater: number;
  /** Lines that fail validation. */
  invalid: number;
  invalidByKind: Record<InvalidKind, number>;
  /** Unique valid events per (lower-case) event name. */
  byEventName: Record<string, EventNameCounts>;
  /** Seed-derived base time (Unix seconds) of the first event. */
  baseTime: number;
  /** Smallest and largest `created_at` among valid events, Unix seconds (null before the first). */
  minCreatedAt: number | null;
  maxCreatedAt: number | null;
  /** True once every line has been produced. */
  complete: boolean;
}

export interface Generation {
  /** The lines; iterate once. */
  readonly lines: Iterable<string>;
  /** Filled while `lines` is consumed; `complete` turns true at the end. */
  readonly stats: GeneratorStats;
}

/**
 * The workload's event names: 100 names over 19 event types, one to three parts each.
 * `debug:*` and `lesson:heartbeat` are included on purpose so that processing filters have work.
 */
export const EVENT_NAMES: readonly string[] = [
  'account:created',
  'account:verified',
  'account:updated',
  'account:deleted',
  'account:login',
  'account:logout',
  'account:password_reset',
  'account:email_changed',
  'session:started',
  'session:ended',
  'session:resumed',
  'session:expired',
  'lesson:started',
  'lesson:completed',
  'lesson:paused',
  'lesson:resumed',
  'lesson:abandoned',
  'lesson:heartbeat',
  'lesson:rated',
  'lesson:bookmarked',
  'course:enrolled',
  'course:unenrolled',
  'course:completed',
  'course:viewed',
  'course:certificate_issued',
  'course:shared',
  'quiz:started',
  'quiz:submitted',
  'quiz:passed',
  'quiz:failed',
  'quiz:question:answered',
  'quiz:question:skipped',
  'quiz:hint_used',
  'video:played',
  'video:paused',
  'video:completed',
  'video:seeked',
  'video:buffering',
  'video:quality_changed',
  'video:caption_toggled',
  'payment:order:created',
  'payment:order:completed',
  'payment:order:failed',
  'payment:order:refunded',
  'payment:method:added',
  'payment:method:removed',
  'payment:invoice:issued',
  'payment:invoice:paid',
  'subscription:started',
  'subscription:renewed',
  'subscription:cancelled',
  'subscription:upgraded',
  'subscription:downgraded',
  'subscription:trial_started',
  'subscription:trial_converted',
  'subscription:expired',
  'notification:sent',
  'notification:delivered',
  'notification:opened',
  'notification:clicked',
  'notification:dismissed',
  'notification:email:bounced',
  'notification:push:failed',
  'search:performed',
  'search:result_clicked',
  'search:filter_applied',
  'search:no_results',
  'profile:viewed',
  'profile:updated',
  'profile:avatar_uploaded',
  'profile:preference:changed',
  'cart:item_added',
  'cart:item_removed',
  'cart:viewed',
  'cart:abandoned',
  'cart:checkout_started',
  'content:article:viewed',
  'content:article:shared',
  'content:comment:posted',
  'content:comment:reported',
  'content:review:submitted',
  'support:ticket:opened',
  'support:ticket:closed',
  'support:ticket:escalated',
  'support:chat:started',
  'support:chat:ended',
  'support:faq_viewed',
  'referral:invite_sent',
  'referral:invite_accepted',
  'referral:reward_granted',
  'app:installed',
  'app:opened',
  'app:backgrounded',
  'app:crashed',
  'app:updated',
  'experiment:exposure',
  'experiment:conversion',
  'debug:trace',
  'debug:metric',
  'debug:probe',
];

/** 2026-01-01T00:00:00Z: base times are this plus up to 127 whole days chosen by the seed. */
const EPOCH_BASE = 1767225600;
const DAY = 86400;

/** mulberry32: small, fast, good enough for load shapes, and identical on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (rand: Rand, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
const HEX = '0123456789abcdef';

function uuid(rand: Rand): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    let nibble = Math.floor(rand() * 16);
    if (i === 12) nibble = 4;
    if (i === 16) nibble = 8 + (nibble & 3);
    s += HEX[nibble];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}

const PLATFORMS = ['ios', 'android', 'web', 'web', 'web'] as const;
const LOCALES = ['en-GB', 'en-US', 'fr-FR', 'de-DE', 'es-ES', 'pt-BR', 'it-IT', 'nl-NL', 'pl-PL', 'ja-JP'];
const GEOS = [
  { country: 'GB', region: 'England', city: 'London', timezone: 'Europe/London' },
  { country: 'US', region: 'California', city: 'San Francisco', timezone: 'America/Los_Angeles' },
  { country: 'US', region: 'New York', city: 'New York', timezone: 'America/New_York' },
  { country: 'FR', region: 'Ile-de-France', city: 'Paris', timezone: 'Europe/Paris' },
  { country: 'DE', region: 'Berlin', city: 'Berlin', timezone: 'Europe/Berlin' },
  { country: 'ES', region: 'Madrid', city: 'Madrid', timezone: 'Europe/Madrid' },
  { country: 'BR', region: 'Sao Paulo', city: 'Sao Paulo', timezone: 'America/Sao_Paulo' },
  { country: 'JP', region: 'Tokyo', city: 'Tokyo', timezone: 'Asia/Tokyo' },
  { country: 'IN', region: 'Karnataka', city: 'Bengaluru', timezone: 'Asia/Kolkata' },
  { country: 'NL', region: 'North Holland', city: 'Amsterdam', timezone: 'Europe/Amsterdam' },
];
const DEVICES = {
  ios: [
    { model: 'iPhone15,2', os: 'iOS', os_version: '18.1' },
    { model: 'iPhone16,1', os: 'iOS', os_version: '18.3' },
    { model: 'iPad13,18', os: 'iPadOS', os_version: '17.6' },
  ],
  android: [
    { model: 'Pixel 8', os: 'Android', os_version: '15' },
    { model: 'SM-S918B', os: 'Android', os_version: '14' },
    { model: 'moto g84 5G', os: 'Android', os_version: '14' },
  ],
  web: [
    { model: 'desktop', os: 'Windows', os_version: '11' },
    { model: 'desktop', os: 'macOS', os_version: '14.6' },
    { model: 'desktop', os: 'Linux', os_version: '6.8' },
  ],
};
const USER_AGENTS = {
  ios: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 LearnApp/5.12',
  android: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
  web: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};
const REFERRERS = ['https://www.google.com/', 'https://news.example.org/', 'https://www.bing.com/', '', 'https://t.co/'];
const UTM_SOURCES = ['google', 'newsletter', 'instagram', 'partner-site', 'direct'];
const COURSES = ['intro-to-statistics', 'spanish-a1', 'python-fundamentals', 'music-theory-101', 'watercolour-basics', 'data-engineering', 'french-b2', 'calculus-i'];
const CURRENCIES = ['GBP', 'EUR', 'USD', 'BRL', 'JPY'];
const PLANS = ['monthly', 'annual', 'family', 'student'];
const QUERIES = ['python loops', 'spanish verbs', 'derivatives', 'chord progressions', 'sql joins', 'watercolour wash'];

/*
 * Events are written as JSON text directly rather than built as objects and passed to
 * JSON.stringify, which cost more than the rest of the generator together. The text is exactly
 * what JSON.stringify would write for the object (same key order, numbers as `String(n)`), and
 * the workload's strings need no escaping. Random draws happen in the order of the fields, so a
 * seed's bytes stay as they were (tests/local/generator.test.ts pins them).
 */

/** Name-specific payload fields as a JSON object; the shapes match the schemas in core/events/schemas/. */
function propertiesText(rand: Rand, name: string): string {
  const course = pick(rand, COURSES);
  const lesson = `${course}-l${int(rand, 1, 40)}`;
  switch (name) {
    case 'account:created':
      return `{"signup_method":"${pick(rand, ['email', 'google', 'apple'])}","marketing_opt_in":${rand() < 0.4},"plan":"free"}`;
    case 'account:login':
      return `{"method":"${pick(rand, ['password', 'google', 'apple', 'magic_link'])}","mfa":${rand() < 0.3}}`;
    case 'lesson:started':
      return `{"course_id":"${course}","lesson_id":"${lesson}","attempt":${int(rand, 1, 3)}}`;
    case 'lesson:completed':
      return `{"course_id":"${course}","lesson_id":"${lesson}","duration_seconds":${int(rand, 60, 3600)},"score":${int(rand, 0, 100)}}`;
    case 'lesson:heartbeat':
      return `{"course_id":"${course}","lesson_id":"${lesson}","position_seconds":${int(rand, 0, 3600)}}`;
    case 'course:enrolled':
      return `{"course_id":"${course}","price_tier":"${pick(rand, ['free', 'standard', 'premium'])}"}`;
    case 'quiz:submitted':
      return `{"quiz_id":"${lesson}-q","questions":${int(rand, 5, 20)},"correct":${int(rand, 0, 5)},"duration_seconds":${int(rand, 30, 900)}}`;
    case 'video:played':
      return `{"video_id":"${lesson}-v","position_seconds":${int(rand, 0, 600)},"quality":"${pick(rand, ['480p', '720p', '1080p'])}"}`;
    case 'search:performed':
      return `{"query":"${pick(rand, QUERIES)}","results":${int(rand, 0, 250)},"page":${int(rand, 1, 5)}}`;
    case 'subscription:started':
      return `{"plan":"${pick(rand, PLANS)}","currency":"${pick(rand, CURRENCIES)}","amount":${int(rand, 499, 14999) / 100},"trial":${rand() < 0.5}}`;
    case 'payment:order:created':
    case 'payment:order:completed':
      return (
        `{"order_id":"ord_${int(rand, 10000000, 99999999)}","currency":"${pick(rand, CURRENCIES)}","amount":${int(rand, 99, 49999) / 100},` +
        `"items":[{"sku":"course-${course}","quantity":1}],"payment_method":"${pick(rand, ['card', 'paypal', 'apple_pay', 'google_pay'])}"}`
      );
    default: {
      const [type, second] = name.split(':');
      if (type === 'payment' || type === 'cart') {
        return `{"order_id":"ord_${int(rand, 10000000, 99999999)}","amount":${int(rand, 99, 49999) / 100},"currency":"${pick(rand, CURRENCIES)}"}`;
      }
      if (type === 'debug') return `{"component":"${pick(rand, ['player', 'sync', 'auth'])}","level":"debug","value":${int(rand, 0, 1000)}}`;
      return `{"${second}_ref":"${type}-${int(rand, 1, 99999)}","course_id":"${course}","count":${int(rand, 1, 10)}}`;
    }
  }
}

/** The constant JSON of each platform's devices (screen included), each geo and each user agent, written once. */
const DEVICES_TEXT = {
  ios: DEVICES.ios.map((d) => JSON.stringify({ ...d, screen: { width: 1179, height: 2556 } })),
  android: DEVICES.android.map((d) => JSON.stringify({ ...d, screen: { width: 1179, height: 2556 } })),
  web: DEVICES.web.map((d) => JSON.stringify({ ...d, screen: { width: 1920, height: 1080 } })),
};
const GEOS_TEXT = GEOS.map((g) => JSON.stringify(g));
const USER_AGENTS_TEXT = { ios: JSON.stringify(USER_AGENTS.ios), android: JSON.stringify(USER_AGENTS.android), web: JSON.stringify(USER_AGENTS.web) };

/** One valid event (envelope + ~1 KB of payload) as a line of JSON. */
function eventText(rand: Rand, name: string, createdAt: number): string {
  const platform = pick(rand, PLATFORMS);
  const geo = pick(rand, GEOS_TEXT);
  const device = pick(rand, DEVICES_TEXT[platform]);
  const minor = int(rand, 0, 14);
  const patch = int(rand, 0, 9);
  // `build` is the version's digits read as a number: no leading zero, as the major version is 5.
  return (
    `{"event_uuid":"${uuid(rand)}","event_name":"${name}","created_at":${createdAt},"schema_version":1,` +
    `"tenant_id":"${pick(rand, ['acme-learning', 'globex-academy', 'initech-school'])}","user_id":"u_${int(rand, 1000000000, 9999999999)}","session_id":"${uuid(rand)}",` +
    `"app":{"platform":"${platform}","version":"5.${minor}.${patch}","build":5${minor}${patch},"locale":"${pick(rand, LOCALES)}","release_channel":"stable"},` +
    `"device":${device},"geo":${geo},` +
    `"context":{"page":"/courses/${pick(rand, COURSES)}/lessons/${int(rand, 1, 40)}","referrer":"${pick(rand, REFERRERS)}","user_agent":${USER_AGENTS_TEXT[platform]},` +
    `"ip":"203.0.113.${int(rand, 1, 254)}","request_id":"${uuid(rand)}"},` +
    `"campaign":{"utm_source":"${pick(rand, UTM_SOURCES)}","utm_medium":"${pick(rand, ['cpc', 'email', 'social', 'organic'])}","utm_campaign":"spring-${pick(rand, COURSES)}"},` +
    `"properties":${propertiesText(rand, name)}}`
  );
}

/** One valid event as an object, for the invalid lines that break it in one field. */
const buildEvent = (rand: Rand, name: string, createdAt: number): Record<string, unknown> => JSON.parse(eventText(rand, name, createdAt)) as Record<string, unknown>;

/** Names with a schema in core/events/schemas/ and a required payload field a producer can forget. */
const SCHEMA_BREAKS: ReadonlyArray<readonly [string, (e: Record<string, unknown>) => void]> = [
  [
    'lesson:completed',
    (e) => {
      delete (e.properties as Record<string, unknown>).lesson_id;
    },
  ],
  [
    'payment:order:completed',
    (e) => {
      (e.properties as Record<string, unknown>).amount = '12.99';
    },
  ],
  [
    'account:created',
    (e) => {
      delete e.user_id;
    },
  ],
  [
    'search:performed',
    (e) => {
      (e.properties as Record<string, unknown>).results = -1;
    },
  ],
];

/** One invalid line of the given kind, each broken in exactly one way, as producers break them. */
function invalidLine(rand: Rand, kind: InvalidKind, name: string, createdAt: number): string {
  const text = eventText(rand, name, createdAt);
  const event = JSON.parse(text) as Record<string, unknown>;
  switch (kind) {
    case 'not_json': {
      const variant = int(rand, 0, 2);
      if (variant === 0) return text.slice(0, int(rand, 20, text.length - 2));
      if (variant === 1) return `${new Date(createdAt * 1000).toISOString()} WARN exporter: upstream timeout after 30000 ms, retrying batch`;
      return text.replace('"event_name":', "'event_name':");
    }
    case 'not_object':
      return pick(rand, ['null', '"heartbeat"', '42', 'true']);
    case 'missing_field':
      delete event[pick(rand, ['event_uuid', 'event_name', 'created_at'])];
      return JSON.stringify(event);
    case 'invalid_uuid':
      event.event_uuid = pick(rand, [`evt-${int(rand, 100000, 999999)}`, (event.event_uuid as string).slice(0, 35), '', (event.event_uuid as string).replace(/-/g, '_')]);
      return JSON.stringify(event);
    case 'invalid_event_name':
      event.event_name = pick(rand, ['Lesson Started', 'lesson::started', 'lesson.started', ':lesson', 'lesson:', 'paiement:commande:réglée', `lesson:${'x'.repeat(130)}`]);
      return JSON.stringify(event);
    case 'created_at_milliseconds':
      event.created_at = Math.round(createdAt * 1000);
      return JSON.stringify(event);
    case 'invalid_created_at':
      event.created_at = pick<unknown>(rand, [new Date(createdAt * 1000).toISOString(), -createdAt, 253402300800 + int(rand, 1, 1e9), String(createdAt), '']);
      return JSON.stringify(event);
    case 'schema_violation': {
      const [schemaName, breakIt] = pick(rand, SCHEMA_BREAKS);
      const broken = buildEvent(rand, schemaName, createdAt);
      breakIt(broken);
      return JSON.stringify(broken);
    }
    case 'reserved_field_conflict':
      event.event_type = name.split(':')[0] === 'payment' ? 'billing' : 'payment';
      return JSON.stringify(event);
  }
}

/** Share of the invalid kinds, roughly as they show up in real file drops. */
const INVALID_WEIGHTS: Readonly<Record<InvalidKind, number>> = {
  not_json: 20,
  not_object: 5,
  missing_field: 15,
  invalid_uuid: 10,
  invalid_event_name: 12,
  created_at_milliseconds: 12,
  invalid_created_at: 8,
  schema_violation: 12,
  reserved_field_conflict: 6,
};

function checkShare(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw new Error(`generator: --${name} must be a share between 0 and 1 (e.g. 0.05 for 5%), got ${value}`);
  }
  return v;
}

interface Pending {
  due: number;
  order: number;
  line: string;
  hours: boolean;
}

/** A min-heap on (due, order): copies come out when the stream clock reaches them, ties in scheduling order. */
class DueHeap {
  private readonly items: Pending[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Pending | undefined {
    return this.items[0];
  }
  private less(a: Pending, b: Pending): boolean {
    return a.due < b.due || (a.due === b.due && a.order < b.order);
  }
  push(p: Pending): void {
    const xs = this.items;
    xs.push(p);
    let i = xs.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(xs[i], xs[parent])) break;
      [xs[i], xs[parent]] = [xs[parent], xs[i]];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const xs = this.items;
    const top = xs[0];
    const last = xs.pop();
    if (xs.length > 0 && last) {
      xs[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < xs.length && this.less(xs[l], xs[m])) m = l;
        if (r < xs.length && this.less(xs[r], xs[m])) m = r;
        if (m === i) break;
        [xs[i], xs[m]] = [xs[m], xs[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Resolves options to exact line counts; throws with the fix when they cannot be met. */
export function planCounts(opts: GeneratorOptions): { duplicates: number; invalid: number; late: number; fresh: number } {
  if (!Number.isInteger(opts.events) || opts.events < 1) {
    throw new Error(`generator: --events must be a positive integer, got ${opts.events}`);
  }
  const duplicates = Math.round(opts.events * checkShare('duplicates', opts.duplicates));
  const invalid = Math.round(opts.events * checkShare('invalid', opts.invalid));
  const late = Math.round(opts.events * checkShare('late', opts.late));
  const fresh = opts.events - duplicates - invalid - late;
  if (fresh < 1 || duplicates > fresh) {
    throw new Error(
      `generator: shares leave ${fresh} on-time events for ${duplicates} duplicates; each duplicate copies a distinct on-time event, ` +
        'so lower --duplicates, --invalid or --late (their sum with duplicates counted twice must stay below 1)',
    );
  }
  return { duplicates, invalid, late, fresh };
}

/** One arrival of the workload: its clock (ms since the base time), what it is, and its on-time `created_at` offset. */
interface Arrival {
  clockMs: number;
  kind: 'fresh' | 'invalid' | 'late';
  /** The clock less the producer's clock skew: `created_at` of an on-time event, as an offset in ms. */
  onTimeMs: number;
  /** On-time events still to come after this arrival. */
  freshAfter: number;
}

/**
 * The arrival process, drawn from a stream of its own (the seed's mulberry32 sequence 2^31 draws
 * on, so it never meets the content's): Poisson arrivals at `rate`, the kind of each laid out by
 * sequential sampling, and up to 5 s of producer clock skew. Being apart from the events' content,
 * it can be replayed alone, cheaply, to find the end of the span before any line is made
 * ({@link acceptedAt}).
 */
function* arrivals(counts: ReturnType<typeof planCounts>, seed: number, rate: number): Generator<Arrival> {
  const rand = prng((seed + 0x80000000) >>> 0);
  const remaining = { fresh: counts.fresh, invalid: counts.invalid, late: counts.late };
  let clockMs = 0;
  let first = true;
  while (remaining.fresh + remaining.invalid + remaining.late > 0) {
    clockMs += Math.max(1, Math.round((-Math.log(1 - rand()) * 1000) / rate));
    const total = remaining.fresh + remaining.invalid + remaining.late;
    let x = first ? 0 : rand() * total;
    first = false;
    // Producers' clocks run a few seconds apart: on-time events arrive up to 5 s out of order,
    // well inside the allowed lateness.
    const onTimeMs = Math.max(0, clockMs - int(rand, 0, 5000));
    let kind: Arrival['kind'] = 'late';
    if (x < remaining.fresh) kind = 'fresh';
    else if ((x -= remaining.fresh) < remaining.invalid) kind = 'invalid';
    remaining[kind]--;
    yield { clockMs, kind, onTimeMs, freshAfter: remaining.fresh };
  }
}

/** The options generate() checks, resolved. */
function resolveOptions(opts: GeneratorOptions) {
  const counts = planCounts(opts);
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`generator: --seed must be an integer, got ${seed}`);
  const nameCount = opts.eventNames ?? EVENT_NAMES.length;
  if (!Number.isInteger(nameCount) || nameCount < 1 || nameCount > EVENT_NAMES.length) {
    throw new Error(`generator: --event-names must be an integer from 1 to ${EVENT_NAMES.length}, got ${nameCount}`);
  }
  const rate = opts.ratePerSecond ?? 100;
  if (!(rate > 0)) throw new Error(`generator: ratePerSecond must be positive, got ${rate}`);
  const [lateMin, lateMax] = opts.lateBySeconds ?? [600, 3600];
  if (!(lateMin > 0 && lateMax >= lateMin)) throw new Error(`generator: lateBySeconds must be [min, max] with 0 < min <= max, got [${lateMin}, ${lateMax}]`);
  const baseTime = EPOCH_BASE + (((seed % 128) + 128) % 128) * DAY;
  return { counts, seed, nameCount, rate, lateMin, lateMax, baseTime };
}

/**
 * Generates the lines and their statistics. The first line is always an on-time valid event (so
 * a reader detecting the format from the first byte sees `{`, and late events always have a stream
 * maximum to be late against). Kinds are laid out by sequential sampling, so the counts are exact
 * and spread uniformly over the stream.
 */
export function generate(opts: GeneratorOptions): Generation {
  const { counts, seed, nameCount, rate, lateMin, lateMax, baseTime } = resolveOptions(opts);
  const stats: GeneratorStats = {
    lines: 0,
    bytes: 0,
    valid: 0,
    unique: 0,
    onTime: 0,
    late: 0,
    duplicates: 0,
    duplicatesSecondsLater: 0,
    duplicatesHoursLater: 0,
    invalid: 0,
    invalidByKind: Object.fromEntries(INVALID_KINDS.map((k) => [k, 0])) as Record<InvalidKind, number>,
    byEventName: {},
    baseTime,
    minCreatedAt: null,
    maxCreatedAt: null,
    complete: false,
  };

  // Names spread evenly over the catalogue, with Zipf-like popularity (a few names dominate, as in real traffic).
  const names = Array.from({ length: nameCount }, (_, i) => EVENT_NAMES[Math.floor((i * EVENT_NAMES.length) / nameCount)]);
  const cumulative: number[] = [];
  names.reduce((sum, _, i) => {
    cumulative.push(sum + 1 / Math.pow(i + 1, 0.8));
    return cumulative[i];
  }, 0);
  const invalidCumulative: number[] = [];
  INVALID_KINDS.reduce((sum, k, i) => {
    invalidCumulative.push(sum + INVALID_WEIGHTS[k]);
    return invalidCumulative[i];
  }, 0);
  const weighted = (rand: Rand, cum: number[]): number => {
    const x = rand() * cum[cum.length - 1];
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  function count(name: string, late: boolean, createdAt: number): void {
    const c = (stats.byEventName[name] ??= { onTime: 0, late: 0 });
    if (late) c.late++;
    else c.onTime++;
    stats.minCreatedAt = stats.minCreatedAt === null ? createdAt : Math.min(stats.minCreatedAt, createdAt);
    stats.maxCreatedAt = stats.maxCreatedAt === null ? createdAt : Math.max(stats.maxCreatedAt, createdAt);
  }

  function* lines(): Generator<string> {
    const rand = prng(seed);
    const heap = new DueHeap();
    let remainingDuplicates = counts.duplicates;
    let maxCreatedMs = 0;
    let order = 0;
    const emit = (line: string): string => {
      stats.lines++;
      stats.bytes += Buffer.byteLength(line) + 1;
      return line;
    };
    const emitCopy = (p: Pending): string => {
      stats.duplicates++;
      stats.valid++;
      if (p.hours) stats.duplicatesHoursLater++;
      else stats.duplicatesSecondsLater++;
      return emit(p.line);
    };

    for (const { clockMs, kind, onTimeMs, freshAfter } of arrivals(counts, seed, rate)) {
      while (heap.size > 0 && heap.peek()!.due <= clockMs) yield emitCopy(heap.pop()!);
      const name = names[weighted(rand, cumulative)];
      if (kind === 'fresh') {
        const createdAt = (baseTime * 1000 + onTimeMs) / 1000;
        const line = eventText(rand, name, createdAt);
        maxCreatedMs = Math.max(maxCreatedMs, onTimeMs);
        stats.valid++;
        stats.unique++;
        stats.onTime++;
        count(name, false, createdAt);
        if (remainingDuplicates > 0 && rand() * (freshAfter + 1) < remainingDuplicates) {
          remainingDuplicates--;
          const hours = rand() < 0.5;
          const delayMs = hours ? int(rand, 3600, 3 * 3600) * 1000 : int(rand, 5, 120) * 1000;
          heap.push({ due: clockMs + delayMs, order: order++, line, hours });
        }
        yield emit(line);
        continue;
      }
      if (kind === 'invalid') {
        const invalidKind = INVALID_KINDS[weighted(rand, invalidCumulative)];
        stats.invalid++;
        stats.invalidByKind[invalidKind]++;
        yield emit(invalidLine(rand, invalidKind, name, (baseTime * 1000 + onTimeMs) / 1000));
        continue;
      }
      const lateMs = maxCreatedMs - int(rand, lateMin * 1000, lateMax * 1000);
      const createdAt = (baseTime * 1000 + lateMs) / 1000;
      stats.valid++;
      stats.unique++;
      stats.late++;
      count(name, true, createdAt);
      yield emit(eventText(rand, name, createdAt));
    }
    while (heap.size > 0) yield emitCopy(heap.pop()!);
    stats.complete = true;
  }

  return { lines: lines(), stats };
}

/**
 * When a generation's events count as accepted by the platform: one second after its latest
 * `created_at`, so that runs over the same options are repeatable and no event is from the future.
 * Known before any line is made, from the arrival process alone (the latest `created_at` is always
 * an on-time event's: late ones trail the maximum so far), so the lines can be accepted as they come.
 */
export function acceptedAt(opts: GeneratorOptions): Date {
  const { counts, seed, rate, baseTime } = resolveOptions(opts);
  let maxOnTimeMs = 0;
  for (const arrival of arrivals(counts, seed, rate)) {
    if (arrival.kind === 'fresh') maxOnTimeMs = Math.max(maxOnTimeMs, arrival.onTimeMs);
  }
  return new Date((Math.floor((baseTime * 1000 + maxOnTimeMs) / 1000) + 1) * 1000);
}

/** The lines alone; see {@link generate} for the statistics. */
export function generateEvents(opts: GeneratorOptions): Iterable<string> {
  return generate(opts).lines;
}
