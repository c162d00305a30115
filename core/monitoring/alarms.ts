/**
 * The alarms of a stack as plain data: metric, namespace, dimensions, statistic, threshold,
 * periods and missing-data treatment, each with a description of what it means and what to
 * check first. infra/monitoring.ts turns each into a CloudWatch alarm with the topic as its alarm
 * and OK action; `sluice status` reads their states back by name.
 */
import type { AlertsConfig } from '../../stacks/types';
import { physicalName } from '../naming';
import type { MonitoredStack } from './inventory';

/** The metric namespace the lake-freshness function publishes to (the functions' namespace). */
export const LAKE_METRICS_NAMESPACE = 'Sluice';
/** Seconds since the last Iceberg commit of a table, dimension `table`. */
export const LAKE_COMMIT_AGE_METRIC = 'LakeCommitAgeSeconds';
/** Events per event type, summed from the aggregate job's windows (dimensions `service`, `event_type`). */
export const EVENTS_BY_TYPE_METRIC = 'EventsByType';
/** The `service` dimension of the events-by-type function's metrics. */
export const EVENTS_BY_TYPE_SERVICE = 'events-by-type';
/** How often the lake-freshness function publishes, in minutes; the freshness alarms use it as their period. */
export const LAKE_FRESHNESS_INTERVAL_MINUTES = 5;
/** The `service` dimension Powertools adds to every metric of the lake-freshness function. */
export const LAKE_FRESHNESS_SERVICE = 'lake-freshness';

/** The dimensions of a table's commit age. */
export function lakeFreshnessDimensions(table: string): Record<string, string> {
  return { service: LAKE_FRESHNESS_SERVICE, table };
}

export type Statistic = 'Sum' | 'Maximum' | 'Average' | 'Minimum' | 'SampleCount';
export type ComparisonOperator = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface MetricStat {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
  readonly period: number;
}

/** One query of a metric-math alarm: a metric (`m1`, ...) or an expression over them (`e1`). */
export interface MetricQuery {
  readonly id: string;
  readonly metric?: MetricStat;
  readonly expression?: string;
  readonly label?: string;
  /** The period of a Metrics Insights `expression` (a SELECT); metric queries carry their own. */
  readonly period?: number;
  /** Exactly one query of an alarm returns data: the one the threshold applies to. */
  readonly returnData: boolean;
}

export interface AlarmSpec {
  /** Short, stable id within the stack, e.g. `flink-aggregate-lag`; the resource name ends in it. */
  readonly key: string;
  /** The alarm's physical name: `sluice-<stack>-<key>`. */
  readonly name: string;
  readonly description: string;
  readonly comparisonOperator: ComparisonOperator;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
  /** A single-metric alarm has `metric`; a metric-math alarm has `queries`. */
  readonly metric?: MetricStat;
  readonly queries?: readonly MetricQuery[];
}

/** Periods CloudWatch accepts for standard-resolution alarms that we use. */
const PERIODS = [3600, 900, 300, 60] as const;

/**
 * Splits a window of `minutes` into alarm periods: the longest standard period that divides it
 * into at least 3 periods (so one late datapoint cannot decide alone), else 1-minute periods.
 * Every period must breach, so the alarm fires only after the whole window.
 */
export function windowPeriods(minutes: number): { period: number; evaluationPeriods: number } {
  const seconds = minutes * 60;
  for (const period of PERIODS) {
    if (seconds % period === 0 && seconds / period >= 3) return { period, evaluationPeriods: seconds / period };
  }
  return { period: 60, evaluationPeriods: minutes };
}

/** The longest invocation that still counts as healthy: `percent` of the timeout, in milliseconds. */
export function durationThresholdMs(timeoutSeconds: number, percent: number): number {
  return Math.round(timeoutSeconds * 1000 * (percent / 100));
}

/**
 * The share of invalid events in percent, 0 when nothing arrived: missing datapoints are no
 * events, and a period without events must not divide by zero.
 */
export const INVALID_PERCENT_EXPRESSION = 'IF((FILL(invalid, 0) + FILL(valid, 0)) > 0, 100 * FILL(invalid, 0) / (FILL(invalid, 0) + FILL(valid, 0)), 0)';
/** 1 in a period where `events` received records and `processed` none, else 0. */
export const ZERO_PROCESSED_EXPRESSION = 'IF(FILL(incoming, 0) > 0 AND FILL(processed, 0) == 0, 1, 0)';
/**
 * Flink's `numRestarts` and `numberOfFailedCheckpoints` count since the job started; the
 * increase between two periods is what happened in the later one. A job resubmitted from
 * scratch resets the count, which reads as a negative increase and does not alarm.
 */
export const INCREASE_EXPRESSION = 'DIFF(total)';
/** The longer of the time a job has been restarting or failing; 0 while it runs. */
export const NOT_RUNNING_EXPRESSION = 'MAX([FILL(restarting, 0), FILL(failing, 0)])';

/**
 * The source lag of a Flink application over every dimension set it is published with: the
 * Kinesis source reports `millisBehindLatest` per stream and shard (dimensions such as `Flow` and
 * `Id` beside `Application`), which differ by connector version and metrics level, so a Metrics
 * Insights query over all of them replaces a metric with a fixed dimension set.
 */
export function flinkLagQuery(application: string): string {
  return `SELECT MAX(millisBehindLatest) FROM "AWS/KinesisAnalytics" WHERE Application = '${application}'`;
}

const FLINK = 'AWS/KinesisAnalytics';

export function alarmSpecs(inv: MonitoredStack, alerts: AlertsConfig): AlarmSpec[] {
  const name = (key: string) => physicalName({ stack: inv.stack }, key);
  const period = alerts.periodSeconds;
  const sustained = { evaluationPeriods: alerts.evaluationPeriods, datapointsToAlarm: alerts.evaluationPeriods };
  const once = { evaluationPeriods: 1, datapointsToAlarm: 1 };
  const stat = (namespace: string, metricName: string, dimensions: Record<string, string>, statistic: Statistic, p = period): MetricStat => ({
    namespace,
    metricName,
    dimensions,
    statistic,
    period: p,
  });
  const specs: AlarmSpec[] = [];
  const add = (spec: Omit<AlarmSpec, 'name'>) => specs.push({ ...spec, name: name(spec.key) });

  const noData = windowPeriods(alerts.noDataMinutes);
  add({
    key: 'no-data',
    description:
      `No records arrived on the events stream ${inv.streams.events} for ${alerts.noDataMinutes} minutes. ` +
      'Check first: producers writing to the ingest stream and file drops in the landing bucket, then the stream-validate and s3-ingest function errors and their failure queues.',
    metric: stat('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.events }, 'Sum', noData.period),
    comparisonOperator: 'LessThanOrEqualToThreshold',
    threshold: 0,
    evaluationPeriods: noData.evaluationPeriods,
    datapointsToAlarm: noData.evaluationPeriods,
    // Kinesis publishes nothing for a period without records: silence is the condition itself.
    treatMissingData: 'breaching',
  });

  const zero = windowPeriods(alerts.zeroProcessedMinutes);
  add({
    key: 'zero-processed',
    description:
      `The events stream ${inv.streams.events} kept receiving records for ${alerts.zeroProcessedMinutes} minutes while ${inv.streams.processed} received none. ` +
      `Check first: the state of the Flink application ${inv.flinkApps.find((a) => a.job === 'dedup-filter')?.name} (sluice status), its restarts and logs; ` +
      'then whether the exclude lists now drop every event.',
    queries: [
      { id: 'incoming', metric: stat('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.events }, 'Sum', zero.period), returnData: false },
      { id: 'processed', metric: stat('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.processed }, 'Sum', zero.period), returnData: false },
      { id: 'stalled', expression: ZERO_PROCESSED_EXPRESSION, label: 'events arrive, none processed', returnData: true },
    ],
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: zero.evaluationPeriods,
    datapointsToAlarm: zero.evaluationPeriods,
    treatMissingData: 'notBreaching',
  });

  const validator = inv.functions.find((f) => f.role === 'stream-validate');
  if (validator) {
    add({
      key: 'stream-validate-iterator-age',
      description:
        `The stream validator ${validator.name} is more than ${alerts.iteratorAgeSeconds} s behind the ingest stream ${inv.streams.ingest}. ` +
        'Check first: its errors and throttles, its duration against the timeout, and a batch retried again and again (bisected batches in its logs).',
      metric: stat('AWS/Lambda', 'IteratorAge', { FunctionName: validator.name }, 'Maximum'),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.iteratorAgeSeconds * 1000,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
  }

  for (const app of inv.flinkApps) {
    const dims = { Application: app.name };
    const prefix = `flink-${app.job}`;
    add({
      key: `${prefix}-lag`,
      description:
        `The Flink application ${app.name} reads its source stream more than ${alerts.flinkLagSeconds} s behind its head (millisBehindLatest). ` +
        'Check first: CPU and KPUs on the dashboard (autoscaling at its limit?), backpressure from the sink stream (write throttling), and recent restarts.',
      queries: [{ id: 'lag', expression: flinkLagQuery(app.name), label: 'ms behind the source stream', period, returnData: true }],
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.flinkLagSeconds * 1000,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${prefix}-restarts`,
      description:
        `The Flink application ${app.name} restarted its job at least ${alerts.restarts} time(s) within ${period} s (numRestarts increased). ` +
        'Check first: the exception in the application log group, then checkpoint failures and heap use.',
      queries: [
        { id: 'total', metric: stat(FLINK, 'numRestarts', dims, 'Maximum'), returnData: false },
        { id: 'restarts', expression: INCREASE_EXPRESSION, label: 'restarts in the period', returnData: true },
      ],
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.restarts,
      ...once,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${prefix}-not-running`,
      description:
        `The Flink job of ${app.name} is restarting or failing (restartingTime or failingTime above 0) for ${alerts.evaluationPeriods} period(s) of ${period} s. ` +
        'Check first: the application status (sluice status), the exception in its log group, and whether it can restore its latest snapshot.',
      queries: [
        { id: 'restarting', metric: stat(FLINK, 'restartingTime', dims, 'Maximum'), returnData: false },
        { id: 'failing', metric: stat(FLINK, 'failingTime', dims, 'Maximum'), returnData: false },
        { id: 'downtime', expression: NOT_RUNNING_EXPRESSION, label: 'ms restarting or failing', returnData: true },
      ],
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${prefix}-failed-checkpoints`,
      description:
        `The Flink application ${app.name} failed at least ${alerts.failedCheckpoints} checkpoint(s) within ${period} s; the lake gets no commit without a checkpoint. ` +
        'Check first: checkpoint duration and size, S3 and KMS errors in the log group, and backpressure.',
      queries: [
        { id: 'total', metric: stat(FLINK, 'numberOfFailedCheckpoints', dims, 'Maximum'), returnData: false },
        { id: 'failed', expression: INCREASE_EXPRESSION, label: 'failed checkpoints in the period', returnData: true },
      ],
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.failedCheckpoints,
      ...once,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${prefix}-checkpoint-duration`,
      description:
        `The last checkpoint of the Flink application ${app.name} took longer than ${alerts.checkpointDurationSeconds} s. ` +
        'Check first: state size (lastCheckpointSize) against the dedup TTL, backpressure, and KPUs.',
      metric: stat(FLINK, 'lastCheckpointDuration', dims, 'Maximum'),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.checkpointDurationSeconds * 1000,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
    // fullRestarts is not alarmed on: Flink 2.2 (the runtime the applications run) no longer publishes it; numRestarts replaces it.
  }

  if (inv.kafka) {
    const k = inv.kafka;
    add({
      key: 'kafka-offset-lag',
      description:
        `Consumer group ${k.consumerGroup} is more than ${alerts.kafkaOffsetLag} messages behind on topic ${k.topic} of MSK cluster ${k.clusterName} (SumOffsetLag). ` +
        'Check first: whether the consumer is running, its errors, and MaxOffsetLag on the dashboard for one stuck partition.',
      metric: stat('AWS/Kafka', 'SumOffsetLag', { 'Cluster Name': k.clusterName, 'Consumer Group': k.consumerGroup, Topic: k.topic }, 'Maximum'),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.kafkaOffsetLag,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
  }

  for (const src of inv.sources) {
    const dims = { service: src.service, source: src.source };
    add({
      key: `invalid-${src.source}`,
      description:
        `More than ${alerts.invalidPercent}% of the events of source ${src.source} were invalid and went to the error zone (errors/source=${src.source}/). ` +
        'Check first: the reason codes (EventsInvalidByReason on the dashboard, or the error-zone files), then a recent producer change or a schema change in the registry.',
      queries: [
        { id: 'invalid', metric: stat(LAKE_METRICS_NAMESPACE, 'EventsInvalid', dims, 'Sum'), returnData: false },
        { id: 'valid', metric: stat(LAKE_METRICS_NAMESPACE, 'EventsValid', dims, 'Sum'), returnData: false },
        { id: 'percent', expression: INVALID_PERCENT_EXPRESSION, label: '% invalid', returnData: true },
      ],
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.invalidPercent,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
  }

  for (const q of inv.queues) {
    add({
      key: `queue-${q.name.slice(physicalName({ stack: inv.stack }).length + 1)}`,
      description:
        `The queue ${q.name} holds ${alerts.failureQueueMessages} or more messages: ${q.holds}. ` +
        'Check first: the function errors and logs at the time of the oldest message, fix the cause, then redrive the queue.',
      metric: stat('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: q.name }, 'Maximum'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.failureQueueMessages,
      ...once,
      treatMissingData: 'notBreaching',
    });
  }

  for (const table of inv.lakeTables) {
    add({
      key: `lake-freshness-${table}`,
      description:
        `The lake table ${inv.database}.${table} had no Iceberg commit for more than ${alerts.lakeFreshnessMinutes} minutes, or its commit age is not being published. ` +
        'Check first: the Flink application writing it (status, failed checkpoints), then the lake-freshness function errors.',
      // One datapoint per publishing interval: a shorter period would read as missing (breaching) data in between.
      metric: stat(LAKE_METRICS_NAMESPACE, LAKE_COMMIT_AGE_METRIC, lakeFreshnessDimensions(table), 'Maximum', LAKE_FRESHNESS_INTERVAL_MINUTES * 60),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: alerts.lakeFreshnessMinutes * 60,
      ...sustained,
      // The age is published every few minutes; no datapoint means the publisher or the table is gone.
      treatMissingData: 'breaching',
    });
  }

  const archive = { DeliveryStreamName: inv.archiveDeliveryStream };
  add({
    key: 'archive-freshness',
    description:
      `The oldest record of the archive delivery stream ${inv.archiveDeliveryStream} is more than ${alerts.archiveFreshnessSeconds} s old and not yet in raw/. ` +
      'Check first: DeliveryToS3.Success, the delivery errors under errors/delivery/archive/, and KMS or bucket policy changes.',
    metric: stat('AWS/Firehose', 'DeliveryToS3.DataFreshness', archive, 'Maximum'),
    comparisonOperator: 'GreaterThanThreshold',
    threshold: alerts.archiveFreshnessSeconds,
    ...sustained,
    treatMissingData: 'notBreaching',
  });
  add({
    key: 'archive-delivery-failures',
    description:
      `Some S3 puts of the archive delivery stream ${inv.archiveDeliveryStream} failed (DeliveryToS3.Success below 1); Firehose retries, then writes the records under errors/delivery/archive/. ` +
      'Check first: the delivery stream log group, the role, the KMS key policy and the lake bucket policy.',
    metric: stat('AWS/Firehose', 'DeliveryToS3.Success', archive, 'Average'),
    comparisonOperator: 'LessThanThreshold',
    threshold: 1,
    ...sustained,
    treatMissingData: 'notBreaching',
  });

  for (const fn of inv.functions) {
    const dims = { FunctionName: fn.name };
    const short = fn.name.slice(physicalName({ stack: inv.stack }).length + 1);
    add({
      key: `${short}-errors`,
      description: `The function ${fn.name} failed ${alerts.lambdaErrors} or more invocations within ${period} s. Check first: its log group for the error, then its failure queue.`,
      metric: stat('AWS/Lambda', 'Errors', dims, 'Sum'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.lambdaErrors,
      ...once,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${short}-throttles`,
      description: `The function ${fn.name} was throttled ${alerts.lambdaThrottles} or more times within ${period} s. Check first: the account's concurrency quota and other functions' concurrency.`,
      metric: stat('AWS/Lambda', 'Throttles', dims, 'Sum'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.lambdaThrottles,
      ...once,
      treatMissingData: 'notBreaching',
    });
    add({
      key: `${short}-duration`,
      description:
        `An invocation of ${fn.name} ran longer than ${alerts.durationTimeoutPercent}% of its ${fn.timeoutSeconds} s timeout. ` +
        'Check first: batch or file sizes, slow downstream calls (Kinesis retries), and memory (more memory also means more CPU).',
      metric: stat('AWS/Lambda', 'Duration', dims, 'Maximum'),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: durationThresholdMs(fn.timeoutSeconds, alerts.durationTimeoutPercent),
      ...sustained,
      treatMissingData: 'notBreaching',
    });
  }

  for (const [stream, streamName] of Object.entries(inv.streams)) {
    add({
      key: `${stream}-write-throttles`,
      description:
        `Writes to the stream ${streamName} were throttled ${alerts.writeThrottles} or more times within ${period} s (WriteProvisionedThroughputExceeded). ` +
        'Check first: its capacity mode and shard count in the stack config, and hot partition keys.',
      metric: stat('AWS/Kinesis', 'WriteProvisionedThroughputExceeded', { StreamName: streamName }, 'Sum'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: alerts.writeThrottles,
      ...sustained,
      treatMissingData: 'notBreaching',
    });
  }
  return specs;
}
