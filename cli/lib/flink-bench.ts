import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { generate } from './generator';

/**
 * Nexmark's published per-core throughput for the queries closest to our jobs (Flink 1.13,
 * events/s per core): q18 is a first-row deduplication, q12 a tumbling-window count.
 */
export const NEXMARK_PER_CORE = {
  'dedup-filter': { query: 'q18 (deduplication)', eventsPerSecond: 54_000 },
  aggregate: { query: 'q12 (tumbling window)', eventsPerSecond: 76_000 },
} as const;

/**
 * Adds the fields the validator adds (created_datetime, event_type, event_subtype, ingested_at,
 * source) to a generated raw event, so the benchmark input has the shape dedup-filter reads.
 * ingested_at is derived from created_at, never the wall clock, so the input is reproducible.
 */
export function enrichForBench(line: string): string {
  const event = JSON.parse(line) as Record<string, unknown> & { event_name: string; created_at: number };
  const [type, subtype] = event.event_name.split(':');
  const createdMs = Math.floor(event.created_at * 1000);
  return JSON.stringify({
    ...event,
    created_datetime: new Date(createdMs).toISOString(),
    event_type: type,
    event_subtype: subtype ?? null,
    ingested_at: new Date(createdMs + 2000).toISOString(),
    source: 'bench',
  });
}

export interface BenchInputStats {
  lines: number;
  bytes: number;
  duplicates: number;
  late: number;
}

/** Writes `events` generated, enriched events (2% duplicates, 1% late, none invalid) as JSON lines. */
export async function writeBenchInput(path: string, events: number, seed: number): Promise<BenchInputStats> {
  const run = generate({ events, seed, duplicates: 0.02, late: 0.01, invalid: 0 });
  const out = createWriteStream(path);
  let chunk = '';
  let bytes = 0;
  for (const line of run.lines) {
    const enriched = enrichForBench(line) + '\n';
    bytes += Buffer.byteLength(enriched);
    chunk += enriched;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
  return { lines: run.stats.lines, bytes, duplicates: run.stats.duplicates, late: run.stats.late };
}

export interface BenchResult {
  job: 'dedup-filter' | 'aggregate';
  inputRecords: number;
  outputRecords: Record<string, number>;
  /** The full run: job start-up (planning, mini-cluster, deployment) plus processing. */
  elapsedMs: number;
  cpuMs: number;
  /** The same job on the first few input lines: start-up alone. */
  startupElapsedMs: number;
  startupCpuMs: number;
}

/**
 * Throughput net of start-up (the full run minus a run on a few lines): wall-clock events/s
 * with every operator at parallelism 1, and events per CPU-second the JVM spent, which is the
 * per-core figure and holds even when other processes share the cores.
 */
export function throughput(r: BenchResult): { eventsPerSecond: number; eventsPerCpuSecond: number } {
  return {
    eventsPerSecond: Math.round(r.inputRecords / (Math.max(1, r.elapsedMs - r.startupElapsedMs) / 1000)),
    eventsPerCpuSecond: Math.round(r.inputRecords / (Math.max(1, r.cpuMs - r.startupCpuMs) / 1000)),
  };
}
