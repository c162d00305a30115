import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SluiceConfig } from '../../stacks/types';
import { generate } from '../generator';
import { watchLakeFiles, type LakeFiles } from '../lake-files';
import { startStreamRun } from '../stream';
import { machine, type Machine } from './machine';

export interface LatencyBenchOptions {
  /** Events produced in the measured run. */
  events: number;
  /** Production rate, events per second, from the first warm-up event to the last tail event. */
  rate: number;
  /** Checkpoint interval of both jobs: the lake tables commit on each checkpoint. */
  checkpointSeconds: number;
  /** The stack whose processing config the jobs run with (windows, lateness, filters). */
  config: SluiceConfig;
  seed: number;
  heap: string;
  log?: (line: string) => void;
}

/** Nearest-rank quantiles of a set of latencies, in milliseconds. */
export interface LatencyFigures {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface LatencyBenchReport {
  machine: Machine;
  /** os.loadavg() (1, 5, 15 minutes) when the measured run started and when it ended: what else used the cores. */
  load_average: { start: number[]; end: number[] };
  checkpoint_seconds: number;
  window_seconds: number;
  allowed_lateness_seconds: number;
  rate_per_second: number;
  /** Measured events produced to `ingest`. */
  events: number;
  /** Produce to `ingest` -> visible in the Iceberg table `events` (read back with DuckDB), per measured event seen. */
  events_table: LatencyFigures;
  /** Windows (window start, event type, subtype) that hold a measured event. */
  windows: number;
  /** How many distinct window ends they have: windows that end together fire and commit together, so this is the real sample size. */
  window_ends: number;
  /** Window end -> the window visible in the Iceberg table `aggregates`: includes the allowed lateness by construction. */
  aggregates_from_window_end: LatencyFigures;
  /** Window end + allowed lateness (when the watermark can first pass it) -> visible in `aggregates`. */
  aggregates_from_close: LatencyFigures;
  /** Lake commits (new snapshots) seen during the measured run, per table. */
  commits: { events: number; aggregates: number };
}

/** How often the lake's Iceberg metadata is polled for a new snapshot. */
const POLL_MS = 100;
/** How long, at most, the producer waits for the jobs to start committing before it starts measuring. */
const WARM_UP_TIMEOUT_MS = 300_000;
/** After the last window should have closed, how long the tail waits for it before giving up. */
const TAIL_PATIENCE_MS = 120_000;

/** The value at quantile `q` (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The figures of `values`, rounded to whole milliseconds. */
export function latencyFigures(values: readonly number[]): LatencyFigures {
  const sorted = values.map(Math.round).sort((a, b) => a - b);
  return { count: sorted.length, p50_ms: quantile(sorted, 0.5), p95_ms: quantile(sorted, 0.95), p99_ms: quantile(sorted, 0.99), max_ms: sorted[sorted.length - 1] ?? NaN };
}

/** The key of an aggregate window: its start (epoch ms), event type and subtype. */
export function windowKey(startMs: number, eventType: string, eventSubtype: string | null): string {
  return `${startMs}|${eventType}|${eventSubtype ?? ''}`;
}

/** The start (epoch ms) of the tumbling window of `windowSeconds` holding `createdAtSeconds`, as Flink's TUMBLE on whole milliseconds. */
export function windowStartMs(createdAtSeconds: number, windowSeconds: number): number {
  const ts = Math.floor(createdAtSeconds * 1000);
  return ts - (ts % (windowSeconds * 1000));
}

/** The event type and subtype the validator derives from an event name: the first part and the second (or null). */
function typeOf(eventName: string): [string, string | null] {
  const parts = eventName.toLowerCase().split(':');
  return [parts[0], parts[1] ?? null];
}

interface Produced {
  phase: 'warm-up' | 'measured' | 'tail';
  window: string;
}

/**
 * Producer -> queryable latency of the streaming platform on this machine, over Kafka: the local
 * broker, the stream validator and both Flink jobs unbounded (`sluice local --stream`, the stack's
 * processing config), committing the Iceberg tables on each checkpoint. Generated events, each
 * stamped with `created_at` = the moment it is produced, go to `ingest` at a fixed rate; they pass
 * the validator into `events`, dedup-filter into the `events` table and `processed`, and the
 * aggregate job into the `aggregates` table. A reader polls the lake's Iceberg metadata every
 * 100 ms and reads each new snapshot's new data files with DuckDB.
 *
 * - An event's latency: from the moment the producer sent it to `ingest` to the moment DuckDB
 *   returned it from the `events` table.
 * - A window's latency: from its end (wall clock, since created_at is the produce time) to the
 *   moment DuckDB returned it from `aggregates`. A window can only be complete once the watermark
 *   (latest created_at minus the allowed lateness) passes its end, so this includes the allowed
 *   lateness; the figure from end + lateness (`aggregates_from_close`) is the platform's own part.
 *
 * Events are produced at the rate throughout: a warm-up until the first one is visible in the lake
 * (the jobs' start-up is not counted), then the measured events, then a tail that keeps event time
 * moving until every window holding a measured event has fired and been read.
 */
export async function benchLatency(opts: LatencyBenchOptions): Promise<LatencyBenchReport> {
  const log = opts.log ?? (() => undefined);
  const { windowSeconds, allowedLatenessSeconds, excludeEventNames, excludeEventTypes } = opts.config.processing;
  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-latency-'));
  const produced = new Map<string, Produced>();
  const sentAt = new Map<string, number>();
  const eventSeenAt = new Map<string, number>();
  const windowEnds = new Map<string, number>();
  const windowSeenAt = new Map<string, number>();
  // Moved on by the line generator and the lake reader; `as` keeps TypeScript from narrowing it to its first value.
  let phase = 'warm-up' as Produced['phase'] | 'done';
  let measuredLeft = opts.events;
  let warm = false;
  const commits = { events: 0, aggregates: 0 };
  let loadStart: number[] = [];
  // produceLines times sends on the performance clock; the lake reader and created_at use the epoch.
  const epochOffset = Date.now() - performance.now();

  // As many generated events as the run takes: the producer stops pulling once the tail is done.
  const generated = generate({ events: Number.MAX_SAFE_INTEGER, seed: opts.seed }).lines;
  const lines = (function* (): Generator<string> {
    for (const line of generated) {
      if (phase === 'warm-up' && warm) {
        phase = 'measured';
        loadStart = loadavg();
        commits.events = 0;
        commits.aggregates = 0;
        log(`warm; producing ${opts.events} measured events at ${opts.rate}/s`);
      }
      if (phase === 'measured' && measuredLeft === 0) {
        phase = 'tail';
        log('measured events produced; producing the tail until their windows have fired');
      }
      if (phase === 'tail' && [...windowEnds.keys()].every((w) => windowSeenAt.has(w))) phase = 'done';
      if (phase === 'done') return;
      const event = JSON.parse(line) as { event_uuid: string; event_name: string; created_at: number };
      const [type, subtype] = typeOf(event.event_name);
      // Filtered events never reach the lake: produce only what the stack's filter keeps.
      if (excludeEventNames.includes(event.event_name.toLowerCase()) || excludeEventTypes.includes(type)) continue;
      event.created_at = Date.now() / 1000;
      const start = windowStartMs(event.created_at, windowSeconds);
      const window = windowKey(start, type, subtype);
      produced.set(event.event_uuid, { phase, window });
      if (phase === 'measured') {
        measuredLeft--;
        windowEnds.set(window, start + windowSeconds * 1000);
      }
      yield JSON.stringify(event);
    }
  })();

  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  const readFiles = new Set<string>();
  let reading = Promise.resolve();
  const onSnapshot = (files: LakeFiles) => {
    reading = reading.then(async () => {
      for (const table of ['events', 'aggregates'] as const) {
        const fresh = (files[table]?.files ?? []).filter((f) => !readFiles.has(f));
        if (fresh.length === 0) continue;
        commits[table]++;
        fresh.forEach((f) => readFiles.add(f));
        const list = fresh.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
        const sql = table === 'events' ? `SELECT event_uuid FROM read_parquet([${list}])` : `SELECT epoch_ms(window_start), event_type, event_subtype FROM read_parquet([${list}])`;
        const rows = (await duck.runAndReadAll(sql)).getRowsJson();
        const now = Date.now();
        for (const row of rows) {
          const key = table === 'events' ? String(row[0]) : windowKey(Number(row[0]), String(row[1]), row[2] === null ? null : String(row[2]));
          const seen = table === 'events' ? eventSeenAt : windowSeenAt;
          if (!seen.has(key)) seen.set(key, now);
          if (table === 'events' && produced.get(key)?.phase === 'warm-up') warm = true;
        }
      }
    });
  };

  log(`starting the streaming platform (broker, validator, both jobs), checkpoints every ${opts.checkpointSeconds} s`);
  let watcher: ReturnType<typeof watchLakeFiles> | undefined;
  const run = await startStreamRun({
    dir: work,
    config: opts.config,
    lines,
    ratePerSecond: opts.rate,
    checkpointIntervalMs: opts.checkpointSeconds * 1000,
    heap: opts.heap,
    onSent: (line, at) => sentAt.set((JSON.parse(line) as { event_uuid: string }).event_uuid, at + epochOffset),
    log,
  });
  let loadEnd: number[] = [];
  try {
    watcher = watchLakeFiles(run.lake, POLL_MS, onSnapshot);
    const warmDeadline = Date.now() + WARM_UP_TIMEOUT_MS;
    const lastWindowClose = () => Math.max(0, ...windowEnds.values()) + allowedLatenessSeconds * 1000;
    await Promise.race([
      run.failed,
      (async () => {
        while (phase !== 'done') {
          if (phase === 'warm-up' && Date.now() > warmDeadline) throw new Error(`no event reached the lake within ${WARM_UP_TIMEOUT_MS / 1000} s of the jobs' start`);
          if (phase === 'tail' && Date.now() > lastWindowClose() + TAIL_PATIENCE_MS) {
            log(`gave up waiting for ${[...windowEnds.keys()].filter((w) => !windowSeenAt.has(w)).length} window(s) ${TAIL_PATIENCE_MS / 1000} s after they closed`);
            phase = 'done';
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        await run.produced;
        // The last measured events were produced long before the tail ended; give stragglers one more commit.
        const measured = () => [...produced].filter(([, p]) => p.phase === 'measured').every(([u]) => eventSeenAt.has(u));
        const deadline = Date.now() + 3 * opts.checkpointSeconds * 1000 + 10_000;
        while (!measured() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        await reading;
      })(),
    ]);
    loadEnd = loadavg();
  } finally {
    // The watcher only reads: end it at once (a SIGTERM mid-scan makes Iceberg's pool print a stack trace).
    watcher?.kill('SIGKILL');
    await run.stop();
    duck.closeSync();
    instance.closeSync();
    rmSync(work, { recursive: true, force: true });
  }

  const measured = [...produced].filter(([, p]) => p.phase === 'measured').map(([uuid]) => uuid);
  const eventLatencies = measured.filter((u) => eventSeenAt.has(u) && sentAt.has(u)).map((u) => eventSeenAt.get(u)! - sentAt.get(u)!);
  const seenWindows = [...windowEnds].filter(([w]) => windowSeenAt.has(w));
  return {
    machine: machine(),
    load_average: { start: loadStart.map(round2), end: loadEnd.map(round2) },
    checkpoint_seconds: opts.checkpointSeconds,
    window_seconds: windowSeconds,
    allowed_lateness_seconds: allowedLatenessSeconds,
    rate_per_second: opts.rate,
    events: measured.length,
    events_table: latencyFigures(eventLatencies),
    windows: windowEnds.size,
    window_ends: new Set(windowEnds.values()).size,
    aggregates_from_window_end: latencyFigures(seenWindows.map(([w, end]) => windowSeenAt.get(w)! - end)),
    aggregates_from_close: latencyFigures(seenWindows.map(([w, end]) => windowSeenAt.get(w)! - end - allowedLatenessSeconds * 1000)),
    commits,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function figuresLine(f: LatencyFigures): string {
  return `p50 ${s(f.p50_ms)}, p95 ${s(f.p95_ms)}, p99 ${s(f.p99_ms)}, max ${s(f.max_ms)}`;
}

export function formatLatencyBench(r: LatencyBenchReport): string {
  return [
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}; load average ${r.load_average.start.join(' ')} at the start, ${r.load_average.end.join(' ')} at the end`,
    `streaming over Kafka (ingest -> stream validator -> events -> dedup-filter -> aggregate), checkpoints every ${r.checkpoint_seconds} s, ${r.rate_per_second} events/s:`,
    `  produce -> visible in the events table: ${figuresLine(r.events_table)} (${r.events_table.count} of ${r.events} events seen; goal: p99 < 15 s at 5 s checkpoints)`,
    `  window end -> visible in the aggregates table: ${figuresLine(r.aggregates_from_window_end)} (${r.aggregates_from_window_end.count} of ${r.windows} windows of ${r.window_seconds} s seen, ${r.window_ends} distinct end time(s))`,
    `  window end + allowed lateness (${r.allowed_lateness_seconds} s) -> visible in aggregates: ${figuresLine(r.aggregates_from_close)}`,
    `  lake commits while measuring: events ${r.commits.events}, aggregates ${r.commits.aggregates}`,
    '',
  ].join('\n');
}
