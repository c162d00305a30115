/**
 * How closely replay holds its rate limit, and how fast it goes without one: a generated archive
 * in a scratch directory is replayed into a sink that only counts (the replay's own figures:
 * reader, limiter, checkpoints), or with `target: 'kafka'` into a topic of a local Kafka broker
 * through the same publisher and Kafka producer `sluice replay --target kafka://...` uses.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KinesisPublisher } from '../../functions/ingest/publisher';
import { directoryArchive } from '../../ops/archive';
import { replay, type ReplaySink } from '../../ops/replay';
import { generate } from '../generator';
import { startKafkaBroker, type KafkaBroker } from '../kafka-broker';
import { kafkaSender } from '../kafka-sender';
import { describeMachine, machine, type Machine } from './machine';

export interface ReplayBenchRun {
  /** Requested events per second; null for unlimited. */
  rate: number | null;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Achieved rate relative to the requested one, in percent (positive: faster). */
  deviationPercent: number | null;
}

/** Where the bench replays into: a counting sink, or a local Kafka broker's topic. */
export type ReplayBenchTarget = 'count' | 'kafka';

export interface ReplayBenchReport {
  machine: Machine;
  target: ReplayBenchTarget;
  archiveObjects: number;
  runs: ReplayBenchRun[];
}

const countingSink = (): ReplaySink & { count: number } => ({
  count: 0,
  async add() {
    this.count++;
  },
  async flush() {},
});

const KAFKA_TOPIC = 'bench-replay';

export async function benchReplay(opts: { events: number; rates: number[]; target?: ReplayBenchTarget; log?: (line: string) => void }): Promise<ReplayBenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-replay-'));
  const target = opts.target ?? 'count';
  let broker: KafkaBroker | undefined;
  try {
    if (target === 'kafka') {
      opts.log?.('starting a local Kafka broker');
      broker = await startKafkaBroker({ dir: join(dir, 'kafka'), topics: [{ name: KAFKA_TOPIC, partitions: 3 }], log: opts.log });
    }
    // The archive's lines are enriched events; one object per hour, as Firehose would write them.
    const hours = ['09', '10', '11', '12'];
    const lines = [...generate({ events: opts.events, seed: 1 }).lines].map((line, i) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...event, event_uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, event_type: 'bench', ingested_at: `2026-03-17T${hours[i % 4]}:00:00.000Z` });
    });
    for (const [h, hour] of hours.entries()) {
      const path = join(dir, 'raw', 'dt=2026-03-17', `hour=${hour}`);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'archive.gz'), gzipSync(`${lines.filter((_, i) => i % 4 === h).join('\n')}\n`));
    }
    const runs: ReplayBenchRun[] = [];
    for (const rate of [...opts.rates, null]) {
      const sender = broker ? kafkaSender(broker.bootstrap, 'sluice-bench-replay') : undefined;
      const counting = countingSink();
      const publisher = sender ? new KinesisPublisher({ client: sender, stream: { name: KAFKA_TOPIC } }) : undefined;
      try {
        const summary = await replay({
          store: directoryArchive(dir),
          request: { from: '2026-03-17T09', to: '2026-03-17T12', eventTypes: [], target: broker ? `kafka://${broker.bootstrap}/${KAFKA_TOPIC}` : 'bench' },
          sink: publisher ?? counting,
          ...(rate === null ? {} : { rate }),
          checkpointFile: join(dir, `checkpoint-${rate ?? 'unlimited'}.json`),
        });
        const events = publisher ? publisher.stats.published : counting.count;
        const eventsPerSecond = Math.round(events / summary.seconds);
        runs.push({
          rate,
          events,
          seconds: Math.round(summary.seconds * 1000) / 1000,
          eventsPerSecond,
          deviationPercent: rate === null ? null : Math.round(((eventsPerSecond - rate) / rate) * 1000) / 10,
        });
        opts.log?.(
          `replay at ${rate ?? 'unlimited'} events/s into ${target === 'kafka' ? `Kafka topic ${KAFKA_TOPIC}` : 'a counting sink'}: ${eventsPerSecond} events/s over ${summary.seconds.toFixed(1)} s`,
        );
      } finally {
        await sender?.close();
      }
    }
    return { machine: machine(), target, archiveObjects: hours.length, runs };
  } finally {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReplayBench(report: ReplayBenchReport): string {
  const rows = report.runs.map(
    (r) =>
      `  ${String(r.rate ?? 'unlimited').padStart(9)}  ${String(r.eventsPerSecond).padStart(9)}  ${r.deviationPercent === null ? '' : `${r.deviationPercent > 0 ? '+' : ''}${r.deviationPercent}%`}`,
  );
  const into = report.target === 'kafka' ? `into a local Kafka topic (3 partitions) through the ingestion publisher` : 'into a counting sink';
  return [
    `replay (${report.runs[0]?.events ?? 0} events, ${report.archiveObjects} archive objects) ${into} on ${describeMachine(report.machine)}`,
    '  requested  achieved  deviation',
    ...rows,
    '',
  ].join('\n');
}
