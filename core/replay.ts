/**
 * Replay of the raw archive: which archive partitions a date range covers, where an interrupted
 * replay resumes, how fast it may go, and which targets need an explicit confirmation. Pure, so
 * the CLI, the local mode and the tests share one definition.
 */
import { partitionPath } from './lake/partitions';
import { UserError } from './user-error';
import { RAW_EVENTS } from './lake/schema';

/** A replay request's input that cannot be used; the message names it and says what to give. */
export class ReplayInputError extends UserError {}

const HOUR_MS = 3600_000;
/** Ten years of hours: a longer range is almost certainly a typo in a year. */
const MAX_HOURS = 10 * 366 * 24;

/**
 * Parses a range bound, `YYYY-MM-DD` (a whole UTC day) or `YYYY-MM-DDTHH` (one UTC hour). A day
 * as the lower bound starts at its first hour, as the upper bound ends after its last.
 */
export function parseRangeBound(value: string, option: string, end: boolean): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}))?$/.exec(value);
  if (match) {
    const [, y, m, d, h] = match;
    const ms = Date.UTC(Number(y), Number(m) - 1, Number(d), h === undefined ? 0 : Number(h));
    const date = new Date(ms);
    const sameDay = date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
    if (sameDay && (h === undefined || Number(h) < 24)) return h === undefined && end ? ms + 23 * HOUR_MS : ms;
  }
  throw new ReplayInputError(`${option} ${JSON.stringify(value)} is not a UTC date or hour; give YYYY-MM-DD (a whole day) or YYYY-MM-DDTHH (one hour), e.g. 2026-03-17 or 2026-03-17T09`, 2);
}

/** The first instant of each archive hour from `from` to `to`, both inclusive. */
export function replayHours(from: string, to: string): number[] {
  const first = parseRangeBound(from, '--from', false);
  const last = parseRangeBound(to, '--to', true);
  if (last < first) throw new ReplayInputError(`--to ${to} is before --from ${from}; give the earlier bound as --from`, 2);
  const count = (last - first) / HOUR_MS + 1;
  if (count > MAX_HOURS) throw new ReplayInputError(`--from ${from} --to ${to} spans ${count} hours, more than ten years; check the years of both bounds`, 2);
  return Array.from({ length: count }, (_, i) => first + i * HOUR_MS);
}

/** The archive prefix of one hour, `raw/dt=YYYY-MM-DD/hour=HH/`, as Firehose and the local mode write it. */
export function archiveHourPrefix(hourMs: number): string {
  const iso = new Date(hourMs).toISOString();
  return partitionPath(RAW_EVENTS, { dt: iso.slice(0, 10), hour: iso.slice(11, 13) });
}

/** What a replay does; a checkpoint written for one request is only ever resumed by the same request. */
export interface ReplayRequest {
  readonly from: string;
  readonly to: string;
  /** Only events of these types (the enriched `event_type`); empty for all. */
  readonly eventTypes: readonly string[];
  /** Where the events go: a stream ARN or name, or a `kafka://host:port/topic`. */
  readonly target: string;
}

/** Progress saved after every acknowledged batch: every line up to `line` of `key` is delivered. */
export interface ReplayCheckpoint {
  readonly request: ReplayRequest;
  readonly key: string;
  readonly line: number;
  readonly published: number;
  readonly skipped: number;
}

function sameRequest(a: ReplayRequest, b: ReplayRequest): boolean {
  return a.from === b.from && a.to === b.to && a.target === b.target && [...a.eventTypes].sort().join(',') === [...b.eventTypes].sort().join(',');
}

/**
 * Where to resume in the ordered list of archive objects: the index of the object to start with
 * and the number of its lines already delivered. A checkpoint of another request is refused, so
 * two replays never share one file by mistake.
 */
export function resumePosition(keys: readonly string[], request: ReplayRequest, checkpoint: ReplayCheckpoint | undefined, file: string): { index: number; skipLines: number } {
  if (checkpoint === undefined) return { index: 0, skipLines: 0 };
  if (!sameRequest(checkpoint.request, request)) {
    throw new ReplayInputError(
      `checkpoint ${file} belongs to another replay (${JSON.stringify(checkpoint.request)}); give the same --from, --to, --event-type and --target to resume it, or another --checkpoint file to start anew`,
    );
  }
  const index = keys.indexOf(checkpoint.key);
  if (index < 0) {
    throw new ReplayInputError(`checkpoint ${file} points at archive object ${checkpoint.key}, which the archive no longer lists; restore the object or start anew with another --checkpoint file`);
  }
  return { index, skipLines: checkpoint.line };
}

/**
 * A token bucket: `rate` events per second on average, bursts of at most one second's worth.
 * `take` answers how long to wait before `count` events may go.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(rate) || rate <= 0) throw new ReplayInputError(`--rate ${rate} is not a positive number of events per second; give e.g. --rate 1000`, 2);
    this.tokens = Math.min(rate, 1);
    this.last = now();
  }

  /** Milliseconds to wait before `count` more events may be sent; the events are counted as sent. */
  take(count: number): number {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= count;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }
}

/** Seconds left at the current pace, from the archive bytes read so far; undefined before any progress. */
export function etaSeconds(doneBytes: number, totalBytes: number, elapsedSeconds: number): number | undefined {
  if (doneBytes <= 0 || elapsedSeconds <= 0) return undefined;
  return Math.max(0, ((totalBytes - doneBytes) / doneBytes) * elapsedSeconds);
}

/**
 * The stream a `--target` names: one of the stack's streams by its short name (`events`), its
 * physical name or its ARN, or any other stream by name or ARN. `stackStream` says which of the
 * stack's streams it is, if any.
 */
export function resolveReplayTarget(target: string, stackStreams: Readonly<Record<string, string>>): { stream: string; stackStream?: string } {
  if (target.trim() === '') throw new ReplayInputError('--target is empty; give a stream name or ARN, e.g. --target events', 2);
  const short = stackStreams[target];
  if (short !== undefined) return { stream: short, stackStream: target };
  const arnName = /^arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream\/(.+)$/.exec(target)?.[1];
  const match = Object.entries(stackStreams).find(([, name]) => name === target || name === arnName);
  return match ? { stream: target, stackStream: match[0] } : { stream: target };
}

/** A Kafka topic as a replay target: `kafka://host:port/topic`. */
export interface KafkaTarget {
  /** host:port for the producer's bootstrap servers. */
  readonly bootstrap: string;
  readonly topic: string;
}

export const KAFKA_TARGET_PREFIX = 'kafka://';

/**
 * The Kafka topic a `--target kafka://host:port/topic` names, or undefined for a stream target.
 * Topic names follow Kafka's own rule (1 to 249 of letters, digits, `.`, `_`, `-`), so a typo
 * fails here rather than at the broker after the archive was read.
 */
export function parseKafkaTarget(target: string): KafkaTarget | undefined {
  if (!target.startsWith(KAFKA_TARGET_PREFIX)) return undefined;
  const match = /^kafka:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/([A-Za-z0-9._-]{1,249})$/.exec(target);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535 || match[3] === '.' || match[3] === '..') {
    throw new ReplayInputError(
      `--target ${target} is not a Kafka topic; give kafka://<host>:<port>/<topic>, e.g. kafka://127.0.0.1:9092/partner-feed (topic: 1 to 249 letters, digits, '.', '_', '-')`,
      2,
    );
  }
  return { bootstrap: `${match[1]}:${port}`, topic: match[3] };
}

/**
 * Which of the stack's inputs a Kafka target is: the MSK topic the dedup-filter application reads
 * beside `events` (`sources.kafka`) counts as `events`, since what lands there goes through dedup.
 */
export function kafkaTargetStackStream(target: KafkaTarget, source: { bootstrapServers: string; topic: string } | undefined): string | undefined {
  if (source === undefined || source.topic !== target.topic) return undefined;
  const host = (address: string) => address.trim().replace(/:\d+$/, '').toLowerCase();
  return source.bootstrapServers.split(',').some((server) => host(server) === host(target.bootstrap)) ? 'events' : undefined;
}

/** The stack's streams that feed dedup: replaying into them in prod drops events or lets history through again. */
export const GUARDED_STREAMS: readonly string[] = ['events', 'ingest'];

/**
 * Refuses a replay into a prod stack's `events` or `ingest` stream unless the operator confirmed
 * it, and says why: dedup drops every replayed event whose first copy is still within the TTL and
 * passes the older ones, so consumers of `processed` see part of the history again.
 */
export function checkReplayTarget(opts: { stack: string; stackStream?: string; target: string; confirmed: boolean; dedupTtlHours: number }): void {
  if (opts.stack !== 'prod' || opts.confirmed || opts.stackStream === undefined || !GUARDED_STREAMS.includes(opts.stackStream)) return;
  throw new ReplayInputError(
    `--target ${opts.target} is the prod stack's ${opts.stackStream} ${opts.target.startsWith(KAFKA_TARGET_PREFIX) ? 'input (the MSK topic dedup-filter reads beside it)' : 'stream'}: dedup drops every replayed event whose first copy arrived within the last ${opts.dedupTtlHours} h ` +
      'and lets older ones through, so consumers of processed would see part of the history again. ' +
      'Replay into a stream of its own for a new integration, or backfill for a logic change (README, "Replay and backfill"); add --i-know to replay into it anyway',
  );
}

/**
 * Refuses a backfill (or a restore) of the prod stack's tables unless the operator confirmed it:
 * it replaces what analysts and downstream jobs read, and the stack's Flink applications must be
 * stopped first, or the publication is refused half-way.
 */
export function checkBackfillTarget(opts: { stack: string; confirmed: boolean; action: 'backfill' | 'restore' }): void {
  if (opts.stack !== 'prod' || opts.confirmed) return;
  throw new ReplayInputError(
    `--stack prod: a ${opts.action} replaces the prod tables events and aggregates that analysts and consumers read; ` +
      'stop the stack\'s Flink applications (with a snapshot) first, then add --i-know to go ahead (README, "Backfill and rebuild of a stack")',
  );
}
