/**
 * The monthly cost of a stack from its configuration, a workload (events per hour and their size)
 * and a dated price file of the stack's region (core/prices/<region>.json). A model, not a bill:
 * every quantity it cannot read from the config comes from a named assumption below, and prices
 * are list prices as of the file's date.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLINK_JOBS, type FlinkJobName } from './jobs';
import { alarmSpecs } from './monitoring/alarms';
import { monitoredStack } from './monitoring/inventory';
import { LOG_RETENTION_DAYS, STREAM_NAMES } from './config-values';
import type { SluiceConfig, StreamName } from '../stacks/types';

export const HOURS_PER_MONTH = 730;
const GB = 2 ** 30;
const TB = 2 ** 40;
const KB = 1024;
const MB = 2 ** 20;

/** What the model assumes where the config says nothing. Each is a plain estimate, not a measurement, unless it names one. */
export const ASSUMPTIONS = {
  /** Bytes the validator adds to each event (event_type, event_subtype, created_datetime, ingested_at, source). */
  enrichmentBytes: 200,
  /** Distinct (event_type, event_subtype) keys in each aggregate window. */
  aggregateKeys: 50,
  aggregateRowBytes: 200,
  /** Raw archive size after gzip, as a share of the JSON. */
  gzipRatio: 0.15,
  /** Curated Parquet size as a share of the JSON. */
  parquetRatio: 0.25,
  /** Share of events that are invalid and go to the error zone. */
  invalidShare: 0.01,
  /** Validation + enrichment per vCPU-second: the `sluice bench ingest` figure in the README (one laptop core). */
  validateEventsPerCpuSecond: 272_526,
  /** Lambda memory that buys one full vCPU. */
  lambdaMbPerVcpu: 1769,
  /** Per-invocation time outside validation (PutRecords round trip, error-zone write). */
  lambdaOverheadMs: 50,
  /** Events per KPU-second per job: the events/CPU-s of `sluice bench flink` in the README (one laptop core per KPU). */
  flinkEventsPerKpuSecond: { 'dedup-filter': 46_125, aggregate: 78_905 } as Record<FlinkJobName, number>,
  /** Bytes of dedup state per event kept for the TTL (RocksDB key and timer). */
  dedupStateBytesPerEvent: 64,
  /** Event types (partitions) each subtask writes per checkpoint into `events`. */
  partitionsPerCommit: 10,
  /** Metadata objects an Iceberg commit writes (manifest, manifest list, metadata JSON). */
  metadataFilesPerCommit: 3,
  /** Glue requests of one Iceberg commit (GetTable twice, UpdateTable). */
  glueRequestsPerCommit: 3,
  /** GB of small files a table optimizer compacts per DPU-hour. */
  compactionGbPerDpuHour: 50,
  /** Analysts' queries per day, each reading one day of one event type (capped by the scan limit, 10 MB minimum). */
  athenaQueriesPerDay: 100,
  eventTypes: 10,
  /** Months of curated data kept (curated data never expires; storage grows until then). */
  curatedMonths: 12,
  /** KMS requests per shard-hour of an encrypted stream (data keys are cached for about 5 minutes per producer and consumer). */
  kmsRequestsPerShardHour: 24,
  /** Log bytes per Lambda invocation and per Flink application-day. */
  lambdaLogBytesPerInvocation: 1000,
  flinkLogGbPerAppDay: 0.1,
  /** EMF metrics per ingestion source (EventsValid, EventsInvalid, EventsPublished, RecordsRetried, ObjectsIngested, ObjectsSkipped, TestEvents) and reason codes. */
  metricsPerSource: 7,
  reasonCodes: 13,
  /** Shards an on-demand stream starts with (what its validator's pollers see). */
  onDemandMinShards: 4,
} as const;

export interface Workload {
  readonly eventsPerHour: number;
  /** Average size of an event as the producer sends it, in bytes. */
  readonly eventBytes: number;
}

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

export interface PriceFile {
  readonly region: string;
  readonly currency: 'USD';
  readonly asOf: string;
  readonly basis: string;
  readonly prices: Readonly<Record<string, Price>>;
}

export const COMPONENTS = ['kinesis', 'lambda', 'flink', 'firehose', 's3', 'iceberg', 'glue', 'athena', 'kms', 'cloudwatch'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

export interface ComponentCost {
  readonly component: Component;
  readonly usd: number;
  readonly lines: readonly CostLine[];
}

export interface CostEstimate {
  readonly stack: string;
  readonly region: string;
  readonly pricesAsOf: string;
  readonly workload: Workload;
  readonly components: readonly ComponentCost[];
  readonly totalUsd: number;
  readonly dominant: Component;
  /** What the model saw that the config should know about (under-provisioned shards or KPUs). */
  readonly notes: readonly string[];
}

export interface ConfigChange {
  /** The config key, e.g. `sluice:streams.events.capacityMode`. */
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  /** Other keys the change needs, e.g. a shard count with PROVISIONED. */
  readonly with?: Readonly<Record<string, unknown>>;
  readonly dominantUsdAfter: number;
  readonly totalUsdAfter: number;
  readonly savingUsd: number;
}

export class PriceFileError extends Error {}

/** Where the money goes in a component when no config key lowers it. */
export const NO_CONFIG_LEVER: Record<Component, string> = {
  kinesis: 'Kinesis bills every record by its size rounded up (1 KB on demand, 25 KB PUT units provisioned): fewer, larger records (producer-side aggregation) lower it',
  lambda: 'the stream validator is billed per batch: larger producer batches or fewer, larger records lower it',
  flink: 'each application pays one extra KPU beyond its processing KPUs; fewer applications or smaller state lower it',
  firehose: 'Firehose bills each record rounded up to 5 KB: records of a few hundred bytes cost as much as 5 KB ones, so producer-side aggregation into larger records is the lever',
  s3: 'storage grows with retention: shorter lifecycle days in sluice:lake.lifecycle lower it',
  iceberg: 'every checkpoint commits small files: a longer checkpoint interval lowers commits and compaction',
  glue: 'catalog requests come from commits: a longer checkpoint interval lowers them',
  athena: 'queries that name the partitions they read (event type and date) scan less',
  kms: 'the key is a fixed monthly fee',
  cloudwatch: 'alarms, custom metrics and logs: shorter log retention lowers it',
};

export const PRICES_DIR = join(__dirname, 'prices');

export function loadPriceFile(region: string, dir = PRICES_DIR): PriceFile {
  const path = join(dir, `${region}.json`);
  if (!existsSync(path)) {
    throw new PriceFileError(`no price file for region ${region} (${path}); add one with the list prices of ${region}, dated, in the shape of core/prices/eu-west-1.json`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as PriceFile;
}

const round = (usd: number) => Math.round(usd * 100) / 100;

class Lines {
  readonly lines: CostLine[] = [];
  constructor(private readonly prices: PriceFile) {}
  add(item: string, quantity: number, priceKey: string, divisor = 1): void {
    const price = this.prices.prices[priceKey];
    if (!price) throw new PriceFileError(`the price file of ${this.prices.region} has no price "${priceKey}"; add it`);
    this.lines.push({ item, quantity, unit: price.per, usd: (quantity / divisor) * price.usd });
  }
  total(): number {
    return this.lines.reduce((s, l) => s + l.usd, 0);
  }
}

interface StreamVolume {
  readonly recordsPerHour: number;
  readonly recordBytes: number;
  /** Consumers reading every record (shared throughput). */
  readonly readers: number;
}

/** Records and sizes on each stream: everything through `ingest`, enriched on `events`, windows on `aggregates`. */
export function streamVolumes(config: SluiceConfig, w: Workload): Record<StreamName, StreamVolume> {
  const enriched = w.eventBytes + ASSUMPTIONS.enrichmentBytes;
  return {
    ingest: { recordsPerHour: w.eventsPerHour, recordBytes: w.eventBytes, readers: 1 },
    events: { recordsPerHour: w.eventsPerHour, recordBytes: enriched, readers: 2 },
    processed: { recordsPerHour: w.eventsPerHour, recordBytes: enriched, readers: 1 },
    aggregates: { recordsPerHour: (3600 / config.processing.windowSeconds) * ASSUMPTIONS.aggregateKeys, recordBytes: ASSUMPTIONS.aggregateRowBytes, readers: 0 },
  };
}

/** Shards a stream needs: 1 MiB/s and 1,000 records/s of writes per shard. */
export function requiredShards(v: StreamVolume): number {
  const perSecond = v.recordsPerHour / 3600;
  return Math.max(1, Math.ceil((perSecond * v.recordBytes) / MB), Math.ceil(perSecond / 1000));
}

/** Shards a stream is priced at: what it needs to carry the workload, never fewer than configured. */
function streamShards(config: SluiceConfig, stream: StreamName, v: StreamVolume): number {
  const s = config.streams[stream];
  return s.capacityMode === 'PROVISIONED' ? Math.max(s.shardCount as number, requiredShards(v)) : Math.max(ASSUMPTIONS.onDemandMinShards, requiredShards(v));
}

/**
 * KPUs a job is billed for: the processing KPUs it needs to keep up (never fewer than configured)
 * plus the one extra KPU every application pays for orchestration.
 */
export function flinkKpus(job: FlinkJobName, config: SluiceConfig, w: Workload): { configured: number; required: number; processing: number; billed: number; autoScaling: boolean } {
  const app = job === 'dedup-filter' ? config.processing.dedupFilter : config.processing.aggregate;
  const configured = Math.ceil(app.parallelism / app.parallelismPerKpu);
  const required = Math.max(1, Math.ceil(w.eventsPerHour / 3600 / ASSUMPTIONS.flinkEventsPerKpuSecond[job]));
  const processing = Math.max(configured, required);
  return { configured, required, processing, billed: processing + 1, autoScaling: app.autoScaling };
}

export function estimateCost(config: SluiceConfig, w: Workload, prices: PriceFile): CostEstimate {
  const notes: string[] = [];
  const hours = HOURS_PER_MONTH;
  const volumes = streamVolumes(config, w);
  const line = () => new Lines(prices);
  const enrichedBytes = w.eventBytes + ASSUMPTIONS.enrichmentBytes;
  const eventsPerMonth = w.eventsPerHour * hours;

  const kinesis = line();
  let kmsStreamRequests = 0;
  for (const stream of STREAM_NAMES) {
    const v = volumes[stream];
    const s = config.streams[stream];
    const gbPerHour = (v.recordsPerHour * v.recordBytes) / GB;
    const shards = streamShards(config, stream, v);
    kmsStreamRequests += shards * hours * ASSUMPTIONS.kmsRequestsPerShardHour;
    const extendedHours = Math.max(0, Math.min(s.retentionHours, 168) - 24);
    const longTermHours = Math.max(0, s.retentionHours - 168);
    if (s.capacityMode === 'ON_DEMAND') {
      kinesis.add(`${stream}: stream-hours`, hours, 'kinesis.onDemand.streamHour');
      kinesis.add(`${stream}: GB written (records rounded up to 1 KB)`, (v.recordsPerHour * hours * Math.ceil(v.recordBytes / KB) * KB) / GB, 'kinesis.onDemand.ingestGb');
      if (v.readers > 0) kinesis.add(`${stream}: GB read by ${v.readers} consumer(s)`, gbPerHour * hours * v.readers, 'kinesis.onDemand.retrievalGb');
      if (extendedHours > 0) kinesis.add(`${stream}: GB kept ${extendedHours} h beyond 24 h`, gbPerHour * extendedHours, 'kinesis.onDemand.extendedRetentionGbMonth');
    } else {
      if (shards > (s.shardCount as number)) {
        notes.push(`streams.${stream} has ${s.shardCount} shard(s) but this workload needs ${shards} (priced at that): writes would be throttled; raise sluice:streams.${stream}.shardCount`);
      }
      kinesis.add(`${stream}: ${shards} shard(s)`, shards * hours, 'kinesis.provisioned.shardHour');
      kinesis.add(`${stream}: PUT payload units (25 KB)`, v.recordsPerHour * hours * Math.ceil(v.recordBytes / (25 * KB)), 'kinesis.provisioned.putUnitsMillion', 1e6);
      if (extendedHours > 0) kinesis.add(`${stream}: extended retention`, shards * hours, 'kinesis.provisioned.extendedRetentionShardHour');
    }
    if (longTermHours > 0) kinesis.add(`${stream}: GB kept ${longTermHours} h beyond 7 days`, gbPerHour * longTermHours, 'kinesis.longTermRetentionGbMonth');
  }

  const lambda = line();
  const ing = config.ingestion;
  const ingestShards = streamShards(config, 'ingest', volumes.ingest);
  // The event source mapping polls each shard about once a second: at low rates batches stay small.
  const invocationsPerHour = w.eventsPerHour === 0 ? 0 : Math.max(Math.ceil(w.eventsPerHour / ing.streamBatchSize), Math.min(w.eventsPerHour, 3600 * ingestShards));
  const eventsPerInvocation = invocationsPerHour === 0 ? 0 : w.eventsPerHour / invocationsPerHour;
  const vcpu = Math.min(1, ing.functionMemoryMb / ASSUMPTIONS.lambdaMbPerVcpu);
  const secondsPerInvocation = ASSUMPTIONS.lambdaOverheadMs / 1000 + eventsPerInvocation / (ASSUMPTIONS.validateEventsPerCpuSecond * vcpu);
  const invocations = invocationsPerHour * hours;
  lambda.add('stream-validate: requests', invocations, 'lambda.requestsMillion', 1e6);
  lambda.add(
    `stream-validate: GB-seconds (${ing.functionMemoryMb} MB, ${Math.round(secondsPerInvocation * 1000)} ms per batch of ${Math.round(eventsPerInvocation)})`,
    invocations * secondsPerInvocation * (ing.functionMemoryMb / 1024),
    'lambda.arm.gbSecond',
  );
  const freshnessInvocations = (hours * 60) / 5;
  lambda.add('lake-freshness: requests', freshnessInvocations, 'lambda.requestsMillion', 1e6);
  lambda.add('lake-freshness: GB-seconds (128 MB, 0.5 s)', freshnessInvocations * 0.5 * (128 / 1024), 'lambda.arm.gbSecond');
  // events-by-type waits up to 60 s for a batch: at most one invocation a minute on the single-shard aggregates stream.
  const typesInvocations = hours * 60;
  lambda.add('events-by-type: requests', typesInvocations, 'lambda.requestsMillion', 1e6);
  lambda.add('events-by-type: GB-seconds (128 MB, 0.2 s)', typesInvocations * 0.2 * (128 / 1024), 'lambda.arm.gbSecond');

  const flink = line();
  let backupGb = 0;
  for (const job of FLINK_JOBS) {
    const k = flinkKpus(job, config, w);
    if (k.required > k.configured && !k.autoScaling) {
      notes.push(
        `${job} has ${k.configured} KPU(s) without autoscaling but this workload needs about ${k.required} (priced at that): it would fall behind; raise its parallelism or enable autoScaling`,
      );
    }
    flink.add(`${job}: ${k.processing} KPU(s) + 1 for the application`, k.billed * hours, 'flink.kpuHour');
    flink.add(`${job}: running application storage (50 GB per KPU)`, k.processing * 50, 'flink.runningStorageGbMonth');
    if (job === 'dedup-filter' && config.processing.snapshots) backupGb = (w.eventsPerHour * config.processing.dedupTtlHours * ASSUMPTIONS.dedupStateBytesPerEvent) / GB;
  }
  if (backupGb > 0) flink.add('dedup-filter: latest snapshot (dedup state for the TTL)', backupGb, 'flink.backupGbMonth');

  const firehose = line();
  firehose.add('archive: GB billed (records rounded up to 5 KB)', (eventsPerMonth * Math.ceil(enrichedBytes / (5 * KB)) * 5 * KB) / GB, 'firehose.ingestGb');

  const s3 = line();
  const lc = config.lake.lifecycle;
  const rawDaily = (w.eventsPerHour * 24 * enrichedBytes * ASSUMPTIONS.gzipRatio) / GB;
  const rawStandardDays = Math.min(lc.rawGlacierDays, lc.rawExpireDays);
  s3.add(`raw/: Standard, ${rawStandardDays} days of gzip JSON`, rawDaily * rawStandardDays, 's3.standardGbMonth');
  s3.add(`raw/: Glacier IR, days ${lc.rawGlacierDays} to ${lc.rawExpireDays}`, rawDaily * Math.max(0, lc.rawExpireDays - lc.rawGlacierDays), 's3.glacierIrGbMonth');
  const curatedDaily = (w.eventsPerHour * 24 * enrichedBytes * ASSUMPTIONS.parquetRatio) / GB;
  const keptDays = ASSUMPTIONS.curatedMonths * 30;
  s3.add(`curated/: Standard, ${Math.min(keptDays, lc.curatedInfrequentAccessDays)} days of Parquet`, curatedDaily * Math.min(keptDays, lc.curatedInfrequentAccessDays), 's3.standardGbMonth');
  s3.add(`curated/: Standard-IA, up to ${ASSUMPTIONS.curatedMonths} months kept`, curatedDaily * Math.max(0, keptDays - lc.curatedInfrequentAccessDays), 's3.standardIaGbMonth');
  s3.add(`curated/: noncurrent versions of compacted files (${lc.noncurrentVersionExpireDays} days)`, curatedDaily * lc.noncurrentVersionExpireDays, 's3.standardGbMonth');
  const errorsDaily = (w.eventsPerHour * 24 * ASSUMPTIONS.invalidShare * (w.eventBytes + 300)) / GB;
  s3.add(`errors/: ${ASSUMPTIONS.invalidShare * 100}% invalid, ${lc.errorsExpireDays} days`, errorsDaily * lc.errorsExpireDays, 's3.standardGbMonth');
  const archiveObjects = hours * Math.max(3600 / Math.max(60, config.delivery.bufferingSeconds), (w.eventsPerHour * enrichedBytes) / (config.delivery.bufferingMb * MB));
  s3.add('raw/: archive objects written', archiveObjects, 's3.putThousand', 1000);
  const errorObjects = invocations * Math.min(1, eventsPerInvocation * ASSUMPTIONS.invalidShare);
  s3.add('errors/: error-zone objects written', errorObjects, 's3.putThousand', 1000);

  const iceberg = line();
  const commitsPerApp = (hours * 3600) / config.processing.checkpointIntervalSeconds;
  const eventsFiles = commitsPerApp * (config.processing.dedupFilter.parallelism * ASSUMPTIONS.partitionsPerCommit + ASSUMPTIONS.metadataFilesPerCommit);
  const aggregateFiles = commitsPerApp * (config.processing.aggregate.parallelism + ASSUMPTIONS.metadataFilesPerCommit);
  iceberg.add(`events: data and metadata files of ${Math.round(commitsPerApp)} commits`, eventsFiles, 's3.putThousand', 1000);
  iceberg.add(`aggregates: data and metadata files of ${Math.round(commitsPerApp)} commits`, aggregateFiles, 's3.putThousand', 1000);
  iceberg.add('compaction: small files read', eventsFiles + aggregateFiles, 's3.getThousand', 1000);
  iceberg.add('compaction: table optimizer DPU-hours', (curatedDaily * 30) / ASSUMPTIONS.compactionGbPerDpuHour, 'glue.optimizerDpuHour');

  const glue = line();
  const athenaQueries = ASSUMPTIONS.athenaQueriesPerDay * 30;
  const glueRequests = 2 * commitsPerApp * ASSUMPTIONS.glueRequestsPerCommit + freshnessInvocations * 2 + athenaQueries * 2;
  glue.add(`catalog requests beyond the free million (${Math.round(glueRequests).toLocaleString('en-US')} in all)`, Math.max(0, glueRequests - 1e6), 'glue.requestsMillion', 1e6);

  const athena = line();
  const perQuery = Math.max(10 * MB, Math.min(config.analytics.bytesScannedCutoffPerQuery, (curatedDaily * GB) / ASSUMPTIONS.eventTypes));
  athena.add(`${athenaQueries} queries of one type-day each (capped by the scan limit)`, (athenaQueries * perQuery) / TB, 'athena.scannedTb');

  const kms = line();
  kms.add('stack key', 1, 'kms.keyMonth');
  kms.add('requests (stream data keys; buckets use S3 bucket keys)', kmsStreamRequests, 'kms.requestsTenThousand', 10_000);

  const cloudwatch = line();
  const inv = monitoredStack(config);
  // Each metric of an alarm is billed, and a Metrics Insights query as one.
  const alarmMetrics = alarmSpecs(inv, config.alerts).reduce((n, a) => n + (a.metric ? 1 : (a.queries ?? []).filter((q) => q.metric || q.expression?.startsWith('SELECT')).length), 0);
  cloudwatch.add('alarm metrics', alarmMetrics, 'cloudwatch.alarmMetricMonth');
  cloudwatch.add(
    'custom metrics (ingestion EMF, lake commit age, events per type)',
    inv.sources.length * (ASSUMPTIONS.metricsPerSource + ASSUMPTIONS.reasonCodes) + inv.lakeTables.length + ASSUMPTIONS.eventTypes,
    'cloudwatch.customMetricMonth',
  );
  cloudwatch.add('dashboard', 1, 'cloudwatch.dashboardMonth');
  const logGbMonth = ((invocations + freshnessInvocations + typesInvocations) * ASSUMPTIONS.lambdaLogBytesPerInvocation) / GB + FLINK_JOBS.length * ASSUMPTIONS.flinkLogGbPerAppDay * 30;
  cloudwatch.add('logs ingested', logGbMonth, 'cloudwatch.logsIngestGb');
  cloudwatch.add(`logs stored (${config.logs.retentionDays} days)`, (logGbMonth / 30) * config.logs.retentionDays, 'cloudwatch.logsStorageGbMonth');

  const all: Record<Component, Lines> = { kinesis, lambda, flink, firehose, s3, iceberg, glue, athena, kms, cloudwatch };
  const components = COMPONENTS.map((c) => ({ component: c, usd: round(all[c].total()), lines: all[c].lines.map((l) => ({ ...l, usd: round(l.usd) })) }));
  const dominant = components.reduce((a, b) => (b.usd > a.usd ? b : a)).component;
  return {
    stack: config.stack,
    region: prices.region,
    pricesAsOf: prices.asOf,
    workload: w,
    components,
    totalUsd: round(components.reduce((s, c) => s + c.usd, 0)),
    dominant,
    notes,
  };
}

interface Candidate {
  key: string;
  from: unknown;
  to: unknown;
  with?: Record<string, unknown>;
  edit: (c: any) => void;
}

/** Single-key config changes the model can price; each stays within the schema's rules. */
function candidates(config: SluiceConfig, w: Workload): Candidate[] {
  const out: Candidate[] = [];
  const volumes = streamVolumes(config, w);
  for (const stream of STREAM_NAMES) {
    const s = config.streams[stream];
    if (s.capacityMode === 'ON_DEMAND') {
      const shards = requiredShards(volumes[stream]);
      out.push({
        key: `sluice:streams.${stream}.capacityMode`,
        from: 'ON_DEMAND',
        to: 'PROVISIONED',
        with: { [`sluice:streams.${stream}.shardCount`]: shards },
        edit: (c) => Object.assign(c.streams[stream], { capacityMode: 'PROVISIONED', shardCount: shards }),
      });
    } else {
      out.push({
        key: `sluice:streams.${stream}.capacityMode`,
        from: 'PROVISIONED',
        to: 'ON_DEMAND',
        edit: (c) => {
          c.streams[stream].capacityMode = 'ON_DEMAND';
          delete c.streams[stream].shardCount;
        },
      });
    }
    if (s.retentionHours > 24) out.push({ key: `sluice:streams.${stream}.retentionHours`, from: s.retentionHours, to: 24, edit: (c) => (c.streams[stream].retentionHours = 24) });
  }
  for (const [job, key] of [
    ['dedup-filter', 'dedupFilter'],
    ['aggregate', 'aggregate'],
  ] as const) {
    const app = config.processing[key];
    if (app.parallelismPerKpu < 8 && app.parallelism > app.parallelismPerKpu) {
      const to = Math.min(8, app.parallelismPerKpu * 2);
      out.push({ key: `sluice:processing.${key}.parallelismPerKpu`, from: app.parallelismPerKpu, to, edit: (c) => (c.processing[key].parallelismPerKpu = to) });
    }
    const required = flinkKpus(job, config, w).required;
    if (app.parallelism > required * app.parallelismPerKpu) {
      const to = required * app.parallelismPerKpu;
      out.push({ key: `sluice:processing.${key}.parallelism`, from: app.parallelism, to, edit: (c) => (c.processing[key].parallelism = to) });
    }
  }
  if (config.ingestion.streamBatchSize < 10000) {
    const to = Math.min(10000, config.ingestion.streamBatchSize * 2);
    out.push({ key: 'sluice:ingestion.streamBatchSize', from: config.ingestion.streamBatchSize, to, edit: (c) => (c.ingestion.streamBatchSize = to) });
  }
  const lc = config.lake.lifecycle;
  if (lc.rawGlacierDays > 30) out.push({ key: 'sluice:lake.lifecycle.rawGlacierDays', from: lc.rawGlacierDays, to: 30, edit: (c) => (c.lake.lifecycle.rawGlacierDays = 30) });
  if (lc.curatedInfrequentAccessDays > 30)
    out.push({ key: 'sluice:lake.lifecycle.curatedInfrequentAccessDays', from: lc.curatedInfrequentAccessDays, to: 30, edit: (c) => (c.lake.lifecycle.curatedInfrequentAccessDays = 30) });
  const halfExpire = Math.ceil(lc.rawExpireDays / 2);
  if (halfExpire > lc.rawGlacierDays) out.push({ key: 'sluice:lake.lifecycle.rawExpireDays', from: lc.rawExpireDays, to: halfExpire, edit: (c) => (c.lake.lifecycle.rawExpireDays = halfExpire) });
  if (config.processing.checkpointIntervalSeconds < 3600) {
    const to = Math.min(3600, config.processing.checkpointIntervalSeconds * 2);
    out.push({ key: 'sluice:processing.checkpointIntervalSeconds', from: config.processing.checkpointIntervalSeconds, to, edit: (c) => (c.processing.checkpointIntervalSeconds = to) });
  }
  const cutoff = config.analytics.bytesScannedCutoffPerQuery;
  if (cutoff / 2 >= 10485760)
    out.push({ key: 'sluice:analytics.bytesScannedCutoffPerQuery', from: cutoff, to: Math.floor(cutoff / 2), edit: (c) => (c.analytics.bytesScannedCutoffPerQuery = Math.floor(cutoff / 2)) });
  const shorter = [...LOG_RETENTION_DAYS].reverse().find((d) => d < config.logs.retentionDays);
  if (shorter !== undefined) out.push({ key: 'sluice:logs.retentionDays', from: config.logs.retentionDays, to: shorter, edit: (c) => (c.logs.retentionDays = shorter) });
  return out;
}

/**
 * The one config change that lowers the dominant component the most without raising the total,
 * priced by the same model; none when no candidate lowers it.
 */
export function cheapestChange(config: SluiceConfig, w: Workload, prices: PriceFile, estimate = estimateCost(config, w, prices)): ConfigChange | undefined {
  const dominantBefore = estimate.components.find((c) => c.component === estimate.dominant)!.usd;
  let best: ConfigChange | undefined;
  for (const cand of candidates(config, w)) {
    const edited = structuredClone(config) as any;
    cand.edit(edited);
    const after = estimateCost(edited as SluiceConfig, w, prices);
    const dominantAfter = after.components.find((c) => c.component === estimate.dominant)!.usd;
    const saving = round(estimate.totalUsd - after.totalUsd);
    if (dominantAfter >= dominantBefore || saving <= 0) continue;
    if (!best || saving > best.savingUsd) {
      best = { key: cand.key, from: cand.from, to: cand.to, ...(cand.with ? { with: cand.with } : {}), dominantUsdAfter: dominantAfter, totalUsdAfter: after.totalUsd, savingUsd: saving };
    }
  }
  return best;
}
