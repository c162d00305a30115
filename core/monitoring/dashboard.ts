/**
 * The stack's CloudWatch dashboard as a body document (the JSON `PutDashboard` takes). Every
 * metric it shows names a resource of the stack's inventory, so a panel never points at
 * something the stack does not run.
 */
import { EVENTS_BY_TYPE_METRIC, EVENTS_BY_TYPE_SERVICE, flinkLagQuery, LAKE_COMMIT_AGE_METRIC, LAKE_METRICS_NAMESPACE, lakeFreshnessDimensions } from './alarms';
import type { MonitoredStack } from './inventory';

/** A metric line of a widget: `[namespace, name, dimName, dimValue, ..., { options }]`. */
type MetricLine = (string | Record<string, unknown>)[];

export interface DashboardWidget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  start: string;
  periodOverride: 'inherit';
  widgets: DashboardWidget[];
}

const WIDTH = 24;
const HALF = 12;
const HEIGHT = 6;

function line(namespace: string, metric: string, dims: Record<string, string>, options: Record<string, unknown>): MetricLine {
  return [namespace, metric, ...Object.entries(dims).flat(), options];
}

export function dashboardBody(inv: MonitoredStack, periodSeconds = 300): DashboardBody {
  const panels: { title: string; metrics: (MetricLine | Record<string, unknown>[])[]; full?: boolean }[] = [];
  const sum = (label: string) => ({ stat: 'Sum', label });
  const max = (label: string) => ({ stat: 'Maximum', label });

  panels.push({
    title: 'Events: incoming, valid, invalid, processed',
    full: true,
    metrics: [
      line('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.ingest }, sum('ingest stream (untrusted)')),
      line('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.events }, sum('incoming (events stream)')),
      ...inv.sources.flatMap((s) => [
        line(LAKE_METRICS_NAMESPACE, 'EventsValid', { service: s.service, source: s.source }, sum(`valid: ${s.source}`)),
        line(LAKE_METRICS_NAMESPACE, 'EventsInvalid', { service: s.service, source: s.source }, sum(`invalid: ${s.source}`)),
      ]),
      line('AWS/Kinesis', 'IncomingRecords', { StreamName: inv.streams.processed }, sum('processed (after dedup and filters)')),
    ],
  });
  // Event types are an open set, so the panel searches for whatever types the events-by-type function has published.
  panels.push({
    title: 'Events per type (from the aggregates)',
    full: true,
    metrics: [
      [
        {
          id: 'types',
          label: '',
          expression: `SEARCH('{${LAKE_METRICS_NAMESPACE},service,event_type} MetricName="${EVENTS_BY_TYPE_METRIC}" service="${EVENTS_BY_TYPE_SERVICE}"', 'Sum', ${periodSeconds})`,
        },
      ],
    ],
  });
  panels.push({
    title: 'Lag (ms, or messages for Kafka)',
    metrics: [
      ...inv.functions.filter((f) => f.role === 'stream-validate').map((f) => line('AWS/Lambda', 'IteratorAge', { FunctionName: f.name }, max('stream-validate iterator age'))),
      ...inv.flinkApps.map((a, i) => [{ id: `lag${i}`, label: `${a.job} millisBehindLatest`, expression: flinkLagQuery(a.name) }]),
      ...(inv.kafka
        ? ['SumOffsetLag', 'MaxOffsetLag'].map((m) =>
            line('AWS/Kafka', m, { 'Cluster Name': inv.kafka!.clusterName, 'Consumer Group': inv.kafka!.consumerGroup, Topic: inv.kafka!.topic }, max(`kafka ${m}`)),
          )
        : []),
    ],
  });
  panels.push({
    title: 'Lake freshness (s since last commit / oldest undelivered record)',
    metrics: [
      ...inv.lakeTables.map((t) => line(LAKE_METRICS_NAMESPACE, LAKE_COMMIT_AGE_METRIC, lakeFreshnessDimensions(t), max(`${t} commit age`))),
      line('AWS/Firehose', 'DeliveryToS3.DataFreshness', { DeliveryStreamName: inv.archiveDeliveryStream }, max('raw archive freshness')),
    ],
  });
  const flink = (metric: string, stat: string, what: string) => inv.flinkApps.map((a) => line('AWS/KinesisAnalytics', metric, { Application: a.name }, { stat, label: `${a.job} ${what}` }));
  panels.push({ title: 'Flink KPUs', metrics: flink('KPUs', 'Maximum', 'KPUs') });
  panels.push({ title: 'Flink CPU and heap (%)', metrics: [...flink('cpuUtilization', 'Maximum', 'CPU'), ...flink('heapMemoryUtilization', 'Maximum', 'heap')] });
  panels.push({ title: 'Flink checkpoint size (bytes)', metrics: flink('lastCheckpointSize', 'Maximum', 'checkpoint size') });
  panels.push({ title: 'Flink checkpoint duration (ms)', metrics: flink('lastCheckpointDuration', 'Maximum', 'checkpoint duration') });
  panels.push({
    title: 'Functions: errors and throttles',
    metrics: inv.functions.flatMap((f) => [
      line('AWS/Lambda', 'Errors', { FunctionName: f.name }, sum(`${f.name} errors`)),
      line('AWS/Lambda', 'Throttles', { FunctionName: f.name }, sum(`${f.name} throttles`)),
    ]),
  });
  panels.push({
    title: 'Failure queues (messages)',
    metrics: inv.queues.map((q) => line('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: q.name }, max(q.name))),
  });

  const widgets: DashboardWidget[] = [
    {
      type: 'text',
      x: 0,
      y: 0,
      width: WIDTH,
      height: 2,
      properties: {
        markdown: `# Sluice ${inv.stack} (${inv.account}, ${inv.region})\nAlarms are named \`sluice-${inv.stack}-*\`; \`npx sluice status --stack ${inv.stack}\` shows the same health from the command line.`,
      },
    },
  ];
  let x = 0;
  let y = 2;
  for (const p of panels) {
    const width = p.full ? WIDTH : HALF;
    if (x + width > WIDTH) {
      x = 0;
      y += HEIGHT;
    }
    widgets.push({
      type: 'metric',
      x,
      y,
      width,
      height: HEIGHT,
      properties: { title: p.title, view: 'timeSeries', stacked: false, region: inv.region, period: periodSeconds, metrics: p.metrics },
    });
    x += width;
    if (x >= WIDTH) {
      x = 0;
      y += HEIGHT;
    }
  }
  return { start: '-PT6H', periodOverride: 'inherit', widgets };
}
