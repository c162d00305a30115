import { expect } from 'chai';
import { alarmSpecs, durationThresholdMs, INCREASE_EXPRESSION, INVALID_PERCENT_EXPRESSION, NOT_RUNNING_EXPRESSION, windowPeriods, ZERO_PROCESSED_EXPRESSION } from '../../core/monitoring/alarms';
import { budgetSpec } from '../../core/monitoring/budget';
import { dashboardBody } from '../../core/monitoring/dashboard';
import { monitoredStack } from '../../core/monitoring/inventory';
import { loadStackConfig } from '../../stacks/load';
import { TEST_ACCOUNT } from '../support/config';

/** An MSK source of dedup-filter: cluster `events-msk`, its topic and consumer group. */
const KAFKA_SOURCE = {
  kafka: {
    clusterArn: 'arn:aws:kafka:eu-west-1:111111111111:cluster/events-msk/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
    bootstrapServers: 'b-1.events-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
    topic: 'orders',
    consumerGroup: 'sluice-dev',
    network: { subnetIds: ['subnet-0aaa1111'], securityGroupIds: ['sg-0ccc3333'] },
  },
};

const config = (alerts: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  loadStackConfig('test', { account: TEST_ACCOUNT, ingestion: { sources: [{ name: 'orders', prefix: 'orders/' }] }, alerts, ...extra });

describe('monitoring: alarm math', () => {
  it('splits a window into the longest period that still gives three datapoints', () => {
    // 15 min = 900 s: 3600 and 900 give fewer than 3 periods, 300 gives 3.
    expect(windowPeriods(15)).to.deep.equal({ period: 300, evaluationPeriods: 3 });
    // 10 min: 300 gives 2 (< 3), so 1-minute periods.
    expect(windowPeriods(10)).to.deep.equal({ period: 60, evaluationPeriods: 10 });
    // 60 min: 3600 gives 1, 900 gives 4.
    expect(windowPeriods(60)).to.deep.equal({ period: 900, evaluationPeriods: 4 });
    // a day: 24 hourly periods.
    expect(windowPeriods(1440)).to.deep.equal({ period: 3600, evaluationPeriods: 24 });
    // 7 min divides by no standard period but 60.
    expect(windowPeriods(7)).to.deep.equal({ period: 60, evaluationPeriods: 7 });
  });

  it('puts the duration threshold at the configured share of the timeout', () => {
    expect(durationThresholdMs(120, 80)).to.equal(96000);
    expect(durationThresholdMs(3, 90)).to.equal(2700);
    expect(durationThresholdMs(900, 100)).to.equal(900000);
  });

  it('writes metric math that guards the empty period', () => {
    expect(INVALID_PERCENT_EXPRESSION).to.equal('IF((FILL(invalid, 0) + FILL(valid, 0)) > 0, 100 * FILL(invalid, 0) / (FILL(invalid, 0) + FILL(valid, 0)), 0)');
    expect(ZERO_PROCESSED_EXPRESSION).to.equal('IF(FILL(incoming, 0) > 0 AND FILL(processed, 0) == 0, 1, 0)');
    expect(INCREASE_EXPRESSION).to.equal('DIFF(total)');
    expect(NOT_RUNNING_EXPRESSION).to.equal('MAX([FILL(restarting, 0), FILL(failing, 0)])');
  });
});

describe('monitoring: alarm specs from config', () => {
  const byKey = (alerts: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
    const c = config(alerts, extra);
    return Object.fromEntries(alarmSpecs(monitoredStack(c), c.alerts).map((s) => [s.key, s]));
  };

  it('names every alarm sluice-<stack>-<key>, once each', () => {
    const c = config();
    const specs = alarmSpecs(monitoredStack(c), c.alerts);
    expect(new Set(specs.map((s) => s.name)).size).to.equal(specs.length);
    for (const s of specs) expect(s.name).to.equal(`sluice-test-${s.key}`);
    for (const s of specs) expect(s.description.length).to.be.within(80, 1024);
  });

  it('turns the no-data minutes into 5-minute periods that must all breach, missing data breaching', () => {
    const s = byKey({ noDataMinutes: 30 })['no-data']!;
    expect(s.metric).to.deep.equal({ namespace: 'AWS/Kinesis', metricName: 'IncomingRecords', dimensions: { StreamName: 'sluice-test-events' }, statistic: 'Sum', period: 300 });
    expect(s).to.deep.include({ comparisonOperator: 'LessThanOrEqualToThreshold', threshold: 0, evaluationPeriods: 6, datapointsToAlarm: 6, treatMissingData: 'breaching' });
  });

  it('scales thresholds given in seconds and minutes to the metric units', () => {
    const s = byKey(
      { iteratorAgeSeconds: 120, flinkLagSeconds: 45, checkpointDurationSeconds: 30, lakeFreshnessMinutes: 20, durationTimeoutPercent: 50 },
      { ingestion: { functionTimeoutSeconds: 60 } },
    );
    expect(s['stream-validate-iterator-age']!.threshold).to.equal(120000);
    expect(s['flink-aggregate-lag']!.threshold).to.equal(45000);
    expect(s['flink-aggregate-lag']!.queries).to.deep.equal([
      {
        id: 'lag',
        expression: `SELECT MAX(millisBehindLatest) FROM "AWS/KinesisAnalytics" WHERE Application = 'sluice-test-aggregate'`,
        label: 'ms behind the source stream',
        period: 300,
        returnData: true,
      },
    ]);
    expect(s['flink-dedup-filter-checkpoint-duration']!.threshold).to.equal(30000);
    expect(s['lake-freshness-events']!.threshold).to.equal(1200);
    expect(s['stream-validate-duration']!.threshold).to.equal(30000);
    // lake-freshness keeps its own 60 s timeout.
    expect(s['lake-freshness-duration']!.threshold).to.equal(30000);
    expect(s['firehose-transform-duration']).to.equal(undefined);
  });

  it('uses the configured period and evaluation periods for sustained conditions, one period for counts', () => {
    const s = byKey({ periodSeconds: 60, evaluationPeriods: 5 });
    expect(s['flink-dedup-filter-lag']!.queries![0]!.period).to.equal(60);
    expect(s['flink-dedup-filter-lag']).to.deep.include({ evaluationPeriods: 5, datapointsToAlarm: 5 });
    expect(s['stream-validate-errors']).to.deep.include({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    // The commit age is published every 5 minutes; a 1-minute period would see gaps as breaching.
    expect(s['lake-freshness-aggregates']!.metric!.period).to.equal(300);
  });

  it("computes restarts and failed checkpoints as the increase of Flink's running totals", () => {
    const s = byKey({ restarts: 2 })['flink-aggregate-restarts']!;
    expect(s.queries).to.deep.equal([
      {
        id: 'total',
        metric: { namespace: 'AWS/KinesisAnalytics', metricName: 'numRestarts', dimensions: { Application: 'sluice-test-aggregate' }, statistic: 'Maximum', period: 300 },
        returnData: false,
      },
      { id: 'restarts', expression: 'DIFF(total)', label: 'restarts in the period', returnData: true },
    ]);
    expect(s).to.deep.include({ comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 2, treatMissingData: 'notBreaching' });
  });

  it("watches the invalid share of every source, the stream validator's included", () => {
    const s = byKey({ invalidPercent: 2.5 });
    expect(Object.keys(s).filter((k) => k.startsWith('invalid-'))).to.deep.equal(['invalid-stream', 'invalid-orders']);
    expect(s['invalid-orders']!.queries![0]!.metric).to.deep.equal({
      namespace: 'Sluice',
      metricName: 'EventsInvalid',
      dimensions: { service: 's3-ingest', source: 'orders' },
      statistic: 'Sum',
      period: 300,
    });
    expect(s['invalid-stream']!.queries![1]!.metric!.dimensions).to.deep.equal({ service: 'stream-validate', source: 'stream' });
    expect(s['invalid-orders']!.threshold).to.equal(2.5);
  });

  it('adds the Kafka lag alarm only when a Kafka source is configured', () => {
    expect(Object.keys(byKey())).to.not.include('kafka-offset-lag');
    const s = byKey({ kafkaOffsetLag: 5000 }, { sources: KAFKA_SOURCE })['kafka-offset-lag']!;
    expect(s.metric).to.deep.equal({
      namespace: 'AWS/Kafka',
      metricName: 'SumOffsetLag',
      dimensions: { 'Cluster Name': 'events-msk', 'Consumer Group': 'sluice-dev', Topic: 'orders' },
      statistic: 'Maximum',
      period: 300,
    });
    expect(s.threshold).to.equal(5000);
  });

  it('does not alarm on fullRestarts, which Flink 2.2 no longer publishes', () => {
    const c = config();
    const metrics = alarmSpecs(monitoredStack(c), c.alerts)
      .flatMap((s) => [s.metric, ...(s.queries ?? []).map((q) => q.metric)])
      .filter((m) => m !== undefined);
    expect(metrics.map((m) => m!.metricName)).to.not.include('fullRestarts');
  });
});

describe('monitoring: budget', () => {
  it('is a monthly cost budget of the project and stack tags, alerting on actual and forecast spend', () => {
    expect(budgetSpec({ stack: 'prod' }, { monthlyUsd: 2500, actualPercent: 80, forecastPercent: 110 })).to.deep.equal({
      name: 'sluice-prod-monthly',
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: '2500.00',
      limitUnit: 'USD',
      tagFilters: [
        { key: 'project', values: ['sluice'] },
        { key: 'stack', values: ['prod'] },
      ],
      notifications: [
        { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' },
        { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 110, thresholdType: 'PERCENTAGE' },
      ],
    });
  });
});

describe('monitoring: dashboard body', () => {
  const body = dashboardBody(monitoredStack(config()), 300);
  const metricWidgets = body.widgets.filter((w) => w.type === 'metric');
  const titles = metricWidgets.map((w) => w.properties.title);

  it('has the panels the platform team watches', () => {
    expect(titles).to.deep.equal([
      'Events: incoming, valid, invalid, processed',
      'Events per type (from the aggregates)',
      'Lag (ms, or messages for Kafka)',
      'Lake freshness (s since last commit / oldest undelivered record)',
      'Flink KPUs',
      'Flink CPU and heap (%)',
      'Flink checkpoint size (bytes)',
      'Flink checkpoint duration (ms)',
      'Functions: errors and throttles',
      'Failure queues (messages)',
    ]);
  });

  it('lays widgets out on the 24-column grid without overlap', () => {
    const cells = new Set<string>();
    for (const w of body.widgets) {
      expect(w.x + w.width).to.be.at.most(24);
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `overlap at ${cell}`).to.equal(false);
          cells.add(cell);
        }
    }
  });

  it('writes metric lines as [namespace, name, dimension pairs..., options] in the stack region', () => {
    const kpus = metricWidgets.find((w) => w.properties.title === 'Flink KPUs')!;
    expect(kpus.properties).to.deep.include({ region: 'eu-west-1', period: 300, view: 'timeSeries' });
    expect(kpus.properties.metrics).to.deep.equal([
      ['AWS/KinesisAnalytics', 'KPUs', 'Application', 'sluice-test-dedup-filter', { stat: 'Maximum', label: 'dedup-filter KPUs' }],
      ['AWS/KinesisAnalytics', 'KPUs', 'Application', 'sluice-test-aggregate', { stat: 'Maximum', label: 'aggregate KPUs' }],
    ]);
    const events = metricWidgets[0]!.properties.metrics as unknown[][];
    expect(events).to.deep.include(['Sluice', 'EventsInvalid', 'service', 's3-ingest', 'source', 'orders', { stat: 'Sum', label: 'invalid: orders' }]);
    const freshness = metricWidgets[3]!.properties.metrics as unknown[][];
    expect(freshness[0]).to.deep.equal(['Sluice', 'LakeCommitAgeSeconds', 'service', 'lake-freshness', 'table', 'events', { stat: 'Maximum', label: 'events commit age' }]);
  });

  it('searches the events-by-type metric for whatever event types were published', () => {
    expect(metricWidgets[1]!.properties.metrics).to.deep.equal([
      [{ id: 'types', label: '', expression: `SEARCH('{Sluice,service,event_type} MetricName="EventsByType" service="events-by-type"', 'Sum', 300)` }],
    ]);
  });

  it('shows Kafka lag only when a Kafka source is configured', () => {
    const lagLines = (b: ReturnType<typeof dashboardBody>) => (b.widgets[3]!.properties.metrics as unknown[][]).map((m) => m[0]);
    expect(lagLines(body)).to.not.include('AWS/Kafka');
    const withKafka = dashboardBody(monitoredStack(config({}, { sources: KAFKA_SOURCE })));
    expect(lagLines(withKafka).filter((n) => n === 'AWS/Kafka')).to.have.length(2);
    const lines = (withKafka.widgets[3]!.properties.metrics as unknown[][]).filter((m) => m[0] === 'AWS/Kafka');
    expect(lines.map((m) => m.slice(0, 8))).to.deep.equal(
      ['SumOffsetLag', 'MaxOffsetLag'].map((metric) => ['AWS/Kafka', metric, 'Cluster Name', 'events-msk', 'Consumer Group', 'sluice-dev', 'Topic', 'orders']),
    );
  });
});
