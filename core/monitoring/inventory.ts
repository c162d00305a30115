/**
 * What a stack runs, by physical name, derived from its configuration the same way the infra
 * components name it. Alarms, the dashboard and `sluice status` watch these names; a mock test of
 * the Pulumi program proves that each one is a resource the program creates.
 */
import { STREAM_SOURCE } from '../error-zone';
import { FLINK_JOBS, type FlinkJobName } from '../jobs';
import { AGGREGATES, CURATED_EVENTS } from '../lake/schema';
import { glueDatabaseName, physicalName, workgroupName } from '../naming';
import type { SluiceConfig, StreamName } from '../../stacks/types';
import { kafkaLagDimensions, type KafkaLagDimensions } from '../msk';
import { STREAM_NAMES } from '../config-values';

/** The Lambda functions of a stack, by what they do. */
export type FunctionRole = 'stream-validate' | 's3-ingest' | 'lake-freshness' | 'events-by-type';

export interface MonitoredFunction {
  readonly name: string;
  readonly role: FunctionRole;
  readonly timeoutSeconds: number;
}

/** An ingestion source as its EMF metrics name it: dimensions `service` and `source`. */
export interface MonitoredSource {
  readonly source: string;
  readonly service: 'stream-validate' | 's3-ingest';
}

export interface MonitoredQueue {
  readonly name: string;
  /** What lands there, for the alarm description. */
  readonly holds: string;
}

export interface MonitoredFlinkApp {
  readonly job: FlinkJobName;
  readonly name: string;
}

export interface MonitoredStack {
  readonly stack: string;
  readonly region: string;
  readonly account: string;
  readonly streams: Readonly<Record<StreamName, string>>;
  readonly functions: readonly MonitoredFunction[];
  readonly sources: readonly MonitoredSource[];
  readonly queues: readonly MonitoredQueue[];
  readonly flinkApps: readonly MonitoredFlinkApp[];
  /** The Firehose delivery stream archiving `events` to `raw/`. */
  readonly archiveDeliveryStream: string;
  readonly database: string;
  /** The Iceberg tables whose commit age is published and alarmed on. */
  readonly lakeTables: readonly string[];
  readonly workgroup: string;
  /** The MSK source of dedup-filter (`sluice:sources.kafka`), whose consumer-group lag is alarmed on. */
  readonly kafka?: KafkaLagDimensions;
}

/** Timeout of the lake-freshness publisher: a few Glue calls. */
export const LAKE_FRESHNESS_TIMEOUT_SECONDS = 60;
/** Timeout of the events-by-type function: one batch of window results. */
export const EVENTS_BY_TYPE_TIMEOUT_SECONDS = 60;

export function eventsByTypeFunctionName(config: Pick<SluiceConfig, 'stack'>): string {
  return physicalName(config, 'events-by-type');
}

export function lakeFreshnessFunctionName(config: Pick<SluiceConfig, 'stack'>): string {
  return physicalName(config, 'lake-freshness');
}

export function monitoredStack(config: SluiceConfig): MonitoredStack {
  const ing = config.ingestion;
  const functions: MonitoredFunction[] = [
    { name: physicalName(config, 'stream-validate'), role: 'stream-validate', timeoutSeconds: ing.functionTimeoutSeconds },
    ...ing.sources.map((s) => ({ name: physicalName(config, 's3-ingest', s.name), role: 's3-ingest' as const, timeoutSeconds: ing.functionTimeoutSeconds })),
    { name: lakeFreshnessFunctionName(config), role: 'lake-freshness', timeoutSeconds: LAKE_FRESHNESS_TIMEOUT_SECONDS },
    { name: eventsByTypeFunctionName(config), role: 'events-by-type', timeoutSeconds: EVENTS_BY_TYPE_TIMEOUT_SECONDS },
  ];
  return {
    stack: config.stack,
    region: config.account.region,
    account: config.account.id,
    streams: Object.fromEntries(STREAM_NAMES.map((s) => [s, physicalName(config, s)])) as Record<StreamName, string>,
    functions,
    sources: [{ source: STREAM_SOURCE, service: 'stream-validate' }, ...ing.sources.map((s) => ({ source: s.name, service: 's3-ingest' as const }))],
    queues: [
      { name: physicalName(config, 'stream-validate-failures'), holds: 'batches of the ingest stream the stream validator gave up on after its retries' },
      { name: physicalName(config, 's3-ingest-dlq'), holds: 'file-drop notifications whose s3-ingest invocation failed every retry' },
    ],
    flinkApps: FLINK_JOBS.map((job) => ({ job, name: physicalName(config, job) })),
    archiveDeliveryStream: physicalName(config, 'archive'),
    database: glueDatabaseName(config),
    lakeTables: [CURATED_EVENTS.name, AGGREGATES.name],
    workgroup: workgroupName(config),
    ...(config.sources.kafka ? { kafka: kafkaLagDimensions(config.sources.kafka) } : {}),
  };
}
