/**
 * The platform streaming on one machine (`sluice local --stream`): a Kafka broker in place of
 * Kinesis, producers putting events on `ingest` at a given rate, the stream validator's own
 * handler from `ingest` to `events`, and both Flink jobs unbounded over Kafka with checkpoints,
 * committing the lake's Iceberg tables `events` and `aggregates` on each. A failed task is restored
 * from the latest checkpoint by Flink's restart strategy inside the job's JVM; a JVM that dies is
 * started again from its latest retained checkpoint. Counting readers (read_committed) of
 * `processed` and `aggregates` see what downstream consumers would see.
 */
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from '../core/events/registry';
import { FLINK_JOBS, jobSqlParameters, type FlinkJobName } from '../core/jobs';
import type { SluiceConfig } from '../stacks/types';
import { produceLines } from './ingest-producer';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker';
import { latestCheckpoint, startStreamJob, type StreamJob } from './stream-jobs';
import { startStreamValidator, VALIDATOR_GROUP, type StreamValidator } from './stream-validator';

/** How long both jobs may take from their start to their first completed checkpoint. */
const JOBS_READY_TIMEOUT_MS = 300_000;

/** The consumer group of each job's Kafka source (tables.kafka.sql). */
export const JOB_GROUPS: Record<FlinkJobName, string> = { 'dedup-filter': 'sluice-dedup-filter', aggregate: 'sluice-aggregate' };
const JOB_INPUT: Record<FlinkJobName, string> = { 'dedup-filter': 'events', aggregate: 'processed' };

export interface StreamRunOptions {
  /** Scratch directory: the broker's data, checkpoints, the error zone. */
  dir: string;
  config: SluiceConfig;
  /** The events to produce to `ingest` (generated or read from a file). */
  lines: Iterable<string> | AsyncIterable<string>;
  /** Lines per second put on `ingest`; 0 for as fast as possible. */
  ratePerSecond: number;
  checkpointIntervalMs: number;
  /**
   * Inject one task failure into the dedup-filter job once this many records are in `processed`
   * (so after some commits): its source task fails at its next record, and Flink restores the job
   * from its latest checkpoint in the same JVM.
   */
  failAfter?: number;
  /** Kill the dedup-filter job's JVM (SIGKILL) once this many records are in `processed`, then start it again from its latest retained checkpoint. */
  killProcessAfter?: number;
  /** Heap of each Flink JVM. */
  heap?: string;
  onStatus?: (status: StreamStatus) => void;
  /** Told the time (performance.now() clock) each line was sent to `ingest`. */
  onSent?: (line: string, sentAtMs: number) => void;
  log?: (line: string) => void;
}

/** A job that failed and was restored from a checkpoint. */
export interface Recovery {
  job: FlinkJobName;
  /** `task`: a task failed and Flink restarted the job in its JVM; `process`: the JVM died and was started again. */
  kind: 'task' | 'process';
  /** Seconds into the run when the failure was seen. */
  atSeconds: number;
  /** Records committed to `processed` by then: what the job had already delivered for good. */
  processedCommitted: number;
  /** The completed checkpoint it was restored from, or null when it had none yet (it starts from its input's start). */
  checkpoint: number | null;
}

export interface StageStatus {
  records: number;
  perSecond: number;
}

export interface StreamStatus {
  seconds: number;
  produced: StageStatus;
  validated: StageStatus & { valid: number; invalid: number };
  processed: StageStatus;
  aggregates: StageStatus & { events: number };
  /** Records not yet read by each stage: ingest (validator), events (dedup-filter), processed (aggregate). */
  lag: { ingest: number; events: number; processed: number };
  /** The latest completed checkpoint of each job: its number and age in seconds. */
  checkpoints: Record<FlinkJobName, { id: number; ageSeconds: number } | null>;
  /** Restores from a checkpoint per job, after task failures and after process deaths. */
  restarts: Record<FlinkJobName, number>;
  recoveries: Recovery[];
  producing: boolean;
}

export interface StreamRun {
  readonly bootstrap: string;
  /** The local lake the jobs commit to (its Iceberg tables under curated/). */
  readonly lake: string;
  /** The status now (also sent to onStatus every second). */
  status(): Promise<StreamStatus>;
  /** Settles when every produced line has been put on `ingest`. */
  readonly produced: Promise<number>;
  /** Stops everything (producer, validator, jobs, broker) and resolves with the final status. */
  stop(): Promise<StreamStatus>;
  /** Rejects when a part of the run fails for good (the broker, the validator, a job that cannot be restarted). */
  readonly failed: Promise<never>;
}

/** Reads a topic from its start with read_committed, as a downstream consumer would, and counts. */
async function countTopic(bootstrap: string, topic: string, onRecord: (value: string) => void): Promise<{ close(): Promise<void> }> {
  const consumer = new Consumer({
    clientId: `sluice-local-${topic}-reader`,
    groupId: `sluice-local-${topic}-reader-${process.pid}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  stream.on('data', (m) => onRecord(m.value));
  return {
    async close() {
      await Promise.resolve(stream.close()).catch(() => undefined);
      await Promise.resolve(consumer.close(true)).catch(() => undefined);
    },
  };
}

class Rate {
  private last = { at: performance.now(), value: 0 };
  private perSecond = 0;
  of(value: number): number {
    const now = performance.now();
    if (now - this.last.at >= 1000) {
      this.perSecond = Math.round(((value - this.last.value) * 1000) / (now - this.last.at));
      this.last = { at: now, value };
    }
    return this.perSecond;
  }
}

/** Starts the whole streaming platform; resolves once every part runs (each job has taken a checkpoint) and the producer has started. */
export async function startStreamRun(opts: StreamRunOptions): Promise<StreamRun> {
  const log = opts.log ?? (() => undefined);
  mkdirSync(opts.dir, { recursive: true });
  const started = performance.now();
  let broker: KafkaBroker | undefined;
  let validator: StreamValidator | undefined;
  const jobs = new Map<FlinkJobName, StreamJob>();
  const readers: { close(): Promise<void> }[] = [];
  const restarts: Record<FlinkJobName, number> = { 'dedup-filter': 0, aggregate: 0 };
  const recoveries: Recovery[] = [];
  const lake = join(opts.dir, 'lake');
  const failTrigger = join(opts.dir, 'checkpoints', 'dedup-filter', 'fail-now');
  let processed = 0;
  const seconds = () => Math.round(performance.now() - started) / 1000;
  const recovered = (job: FlinkJobName, kind: Recovery['kind']): Recovery => {
    restarts[job]++;
    const recovery = { job, kind, atSeconds: seconds(), processedCommitted: processed, checkpoint: latestCheckpoint(join(opts.dir, 'checkpoints', job))?.id ?? null };
    recoveries.push(recovery);
    return recovery;
  };
  const abort = new AbortController();
  let stopping = false;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);

  const stopAll = async () => {
    stopping = true;
    abort.abort();
    await validator?.stop().catch(() => undefined);
    await Promise.all([...jobs.values()].map((j) => j.stop()));
    await Promise.all(readers.map((r) => r.close()));
    await broker?.stop();
  };

  try {
    log('starting the Kafka broker');
    broker = await startKafkaBroker({ dir: join(opts.dir, 'kafka'), log });
    const bootstrap = broker.bootstrap;
    const topics = { events_topic: 'events', processed_topic: 'processed', aggregates_topic: 'aggregates' };
    const paramsOf = (job: FlinkJobName): Record<string, string> => {
      const used = job === 'dedup-filter' ? ['events_topic', 'processed_topic'] : ['processed_topic', 'aggregates_topic'];
      return { ...jobSqlParameters(job, opts.config), kafka_bootstrap_servers: bootstrap, ...Object.fromEntries(used.map((k) => [k, topics[k as keyof typeof topics]])) };
    };
    const from = (checkpoint: number | null) => (checkpoint !== null ? `checkpoint ${checkpoint}` : 'the start of its input (no checkpoint yet)');
    const launch = async (job: FlinkJobName, restore?: string): Promise<void> => {
      mkdirSync(join(opts.dir, 'checkpoints', job), { recursive: true });
      const run = await startStreamJob({
        job,
        bootstrap,
        checkpoints: join(opts.dir, 'checkpoints', job),
        lake,
        checkpointIntervalMs: opts.checkpointIntervalMs,
        restore,
        params: paramsOf(job),
        heap: opts.heap,
        // Every start of the job gets the probe, so its graph (and the state it restores) stays the same; the trigger is created once.
        failTrigger: job === 'dedup-filter' && opts.failAfter !== undefined ? failTrigger : undefined,
        onJobStatus: (status) => {
          if (status !== 'RESTARTING' || stopping) return;
          const recovery = recovered(job, 'task');
          log(`${job}: a task failed; Flink restarts the job in its JVM from ${from(recovery.checkpoint)} (${recovery.processedCommitted} records committed to processed so far)`);
        },
      });
      jobs.set(job, run);
      void run.exited.then(async (code) => {
        if (stopping || jobs.get(job) !== run) return;
        // A job that ends on its own has failed for good in its JVM: start it again from its latest checkpoint.
        const recovery = recovered(job, 'process');
        log(`${job} ended (${code}); starting it again from ${from(recovery.checkpoint)}`);
        if (recoveries.filter((r) => r.job === job && r.kind === 'process').length > 5) return fail(new Error(`${job} ended more than 5 times; giving up`));
        await launch(job, latestCheckpoint(join(opts.dir, 'checkpoints', job))?.path).catch((err: Error) => fail(err));
      });
    };
    log('starting the stream validator and both Flink jobs');
    validator = await startStreamValidator({ bootstrap, lakeDir: lake, registry: loadRegistry(), unknownEventNames: opts.config.validation.unknownEventNames });
    void validator.done.catch((err: Error) => !stopping && fail(err));
    await Promise.all([launch('dedup-filter'), launch('aggregate')]);

    let aggregateRows = 0;
    let aggregateEvents = 0;
    let killed = false;
    let triggered = false;
    readers.push(
      await countTopic(bootstrap, 'processed', () => {
        processed++;
        if (opts.failAfter !== undefined && !triggered && processed >= opts.failAfter) {
          triggered = true;
          log(`failing a task of dedup-filter at its next record, after ${processed} processed records (--kill-after ${opts.failAfter})`);
          writeFileSync(failTrigger, '');
        }
        if (opts.killProcessAfter !== undefined && !killed && processed >= opts.killProcessAfter) {
          killed = true;
          log(`killing the dedup-filter JVM after ${processed} processed records (--kill-process-after ${opts.killProcessAfter})`);
          void jobs.get('dedup-filter')?.kill();
        }
      }),
      await countTopic(bootstrap, 'aggregates', (value) => {
        aggregateRows++;
        aggregateEvents += Number((JSON.parse(value) as { event_count: number }).event_count);
      }),
    );

    // Flink takes a checkpoint only once every task of a job runs: the first completed one of each
    // job says the platform is up, so events do not pile up behind jobs that are still starting.
    const ready = Date.now() + JOBS_READY_TIMEOUT_MS;
    while (!FLINK_JOBS.every((job) => latestCheckpoint(join(opts.dir, 'checkpoints', job)) !== null)) {
      if (Date.now() > ready) throw new Error(`the Flink jobs took no checkpoint within ${JOBS_READY_TIMEOUT_MS / 1000} s of starting; see their log above`);
      await Promise.race([new Promise((r) => setTimeout(r, 200)), failed]);
    }
    log('both jobs run (first checkpoints taken); producing');

    let sent = 0;
    let producing = true;
    const produced = produceLines({ bootstrap, lines: opts.lines, ratePerSecond: opts.ratePerSecond, signal: abort.signal, onProgress: (n) => (sent = n), onSent: opts.onSent }).finally(
      () => (producing = false),
    );
    produced.catch((err: Error) => !stopping && fail(err));

    const admin = new Admin({ clientId: 'sluice-local-status', bootstrapBrokers: [bootstrap] });
    const rates = { produced: new Rate(), validated: new Rate(), processed: new Rate(), aggregates: new Rate() };
    const endOffset = async (topic: string): Promise<number> => {
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
      return Number(listed.partitions[0].offset);
    };
    const committed = async (group: string, topic: string): Promise<number> => {
      const [g] = await admin.listConsumerGroupOffsets({ groups: [group] });
      const offset = g?.topics.find((t) => t.name === topic)?.partitions[0]?.committedOffset ?? 0n;
      return Math.max(0, Number(offset));
    };
    const status = async (): Promise<StreamStatus> => {
      const totals = validator!.totals;
      const [ingestEnd, eventsEnd, processedEnd, validatorAt, dedupAt, aggregateAt] = await Promise.all([
        endOffset('ingest'),
        endOffset('events'),
        endOffset('processed'),
        committed(VALIDATOR_GROUP, 'ingest'),
        committed(JOB_GROUPS['dedup-filter'], JOB_INPUT['dedup-filter']),
        committed(JOB_GROUPS.aggregate, JOB_INPUT.aggregate),
      ]);
      const checkpoint = (job: FlinkJobName) => {
        const c = latestCheckpoint(join(opts.dir, 'checkpoints', job));
        return c ? { id: c.id, ageSeconds: Math.round((Date.now() - c.completedAt.getTime()) / 100) / 10 } : null;
      };
      return {
        seconds: seconds(),
        produced: { records: sent, perSecond: rates.produced.of(sent) },
        validated: { records: totals.records, perSecond: rates.validated.of(totals.records), valid: totals.valid, invalid: totals.invalid },
        processed: { records: processed, perSecond: rates.processed.of(processed) },
        aggregates: { records: aggregateRows, perSecond: rates.aggregates.of(aggregateRows), events: aggregateEvents },
        // processed is written in transactions: its end offset counts their commit markers too.
        lag: { ingest: Math.max(0, ingestEnd - validatorAt), events: Math.max(0, eventsEnd - dedupAt), processed: Math.max(0, processedEnd - aggregateAt) },
        checkpoints: { 'dedup-filter': checkpoint('dedup-filter'), aggregate: checkpoint('aggregate') },
        restarts: { ...restarts },
        recoveries: recoveries.map((r) => ({ ...r })),
        producing,
      };
    };
    const ticker = setInterval(() => {
      if (opts.onStatus) void status().then(opts.onStatus, () => undefined);
    }, 1000);

    return {
      bootstrap,
      lake,
      status,
      produced,
      failed,
      async stop() {
        clearInterval(ticker);
        abort.abort();
        await produced.catch(() => undefined);
        const last = await status();
        await admin.close().catch(() => undefined);
        await stopAll();
        return last;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
