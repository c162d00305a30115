import { expect } from 'chai';
import { MockRun, runStackProgram } from '../support/pulumi';

const ACCOUNT = '111111111111';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:sluice-dev-alarms`;
const parse = (value: unknown) => JSON.parse(value as string);

type Row = [name: string, namespace: string, metric: string, dims: Record<string, string>, stat: string, op: string, threshold: number, period: number, evals: number, missing: string];

const S = (name: string) => ({ StreamName: `sluice-dev-${name}` });
const F = (name: string) => ({ FunctionName: `sluice-dev-${name}` });
const A = (name: string) => ({ Application: `sluice-dev-${name}` });
const GT = 'GreaterThanThreshold';
const GE = 'GreaterThanOrEqualToThreshold';
const NB = 'notBreaching';

/**
 * Every single-metric alarm of the dev stack (Pulumi.dev.yaml's sluice:alerts: period 300,
 * 3 evaluation periods, no data after 15 minutes, 120 s function timeout), worked out by hand.
 */
const SINGLE_METRIC: Row[] = [
  ['sluice-dev-no-data', 'AWS/Kinesis', 'IncomingRecords', S('events'), 'Sum', 'LessThanOrEqualToThreshold', 0, 300, 3, 'breaching'],
  ['sluice-dev-stream-validate-iterator-age', 'AWS/Lambda', 'IteratorAge', F('stream-validate'), 'Maximum', GT, 300000, 300, 3, NB],
  ['sluice-dev-flink-dedup-filter-checkpoint-duration', 'AWS/KinesisAnalytics', 'lastCheckpointDuration', A('dedup-filter'), 'Maximum', GT, 60000, 300, 3, NB],
  ['sluice-dev-flink-aggregate-checkpoint-duration', 'AWS/KinesisAnalytics', 'lastCheckpointDuration', A('aggregate'), 'Maximum', GT, 60000, 300, 3, NB],
  ['sluice-dev-queue-stream-validate-failures', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'sluice-dev-stream-validate-failures' }, 'Maximum', GE, 1, 300, 1, NB],
  ['sluice-dev-queue-s3-ingest-dlq', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'sluice-dev-s3-ingest-dlq' }, 'Maximum', GE, 1, 300, 1, NB],
  ['sluice-dev-lake-freshness-events', 'Sluice', 'LakeCommitAgeSeconds', { service: 'lake-freshness', table: 'events' }, 'Maximum', GT, 900, 300, 3, 'breaching'],
  ['sluice-dev-lake-freshness-aggregates', 'Sluice', 'LakeCommitAgeSeconds', { service: 'lake-freshness', table: 'aggregates' }, 'Maximum', GT, 900, 300, 3, 'breaching'],
  ['sluice-dev-archive-freshness', 'AWS/Firehose', 'DeliveryToS3.DataFreshness', { DeliveryStreamName: 'sluice-dev-archive' }, 'Maximum', GT, 900, 300, 3, NB],
  ['sluice-dev-archive-delivery-failures', 'AWS/Firehose', 'DeliveryToS3.Success', { DeliveryStreamName: 'sluice-dev-archive' }, 'Average', 'LessThanThreshold', 1, 300, 3, NB],
  ...(['stream-validate', 's3-ingest-partner-files', 's3-ingest-backfill', 'lake-freshness', 'events-by-type'] as const).flatMap((fn): Row[] => [
    [`sluice-dev-${fn}-errors`, 'AWS/Lambda', 'Errors', F(fn), 'Sum', GE, 1, 300, 1, NB],
    [`sluice-dev-${fn}-throttles`, 'AWS/Lambda', 'Throttles', F(fn), 'Sum', GE, 1, 300, 1, NB],
    // 80% of the timeout: 120 s for the ingestion functions, 60 s for lake-freshness and events-by-type.
    [`sluice-dev-${fn}-duration`, 'AWS/Lambda', 'Duration', F(fn), 'Maximum', GT, fn === 'lake-freshness' || fn === 'events-by-type' ? 48000 : 96000, 300, 3, NB],
  ]),
  ...(['ingest', 'events', 'processed', 'aggregates'] as const).map((s): Row => [
    `sluice-dev-${s}-write-throttles`,
    'AWS/Kinesis',
    'WriteProvisionedThroughputExceeded',
    S(s),
    'Sum',
    GE,
    1,
    300,
    3,
    NB,
  ]),
];

type MathRow = [name: string, queries: object[], op: string, threshold: number, evals: number, missing: string];
const m = (id: string, namespace: string, metricName: string, dimensions: Record<string, string>, stat: string, period = 300) => ({
  id,
  returnData: false,
  metric: { namespace, metricName, dimensions, stat, period },
});
const e = (id: string, expression: string, label: string) => ({ id, returnData: true, expression, label });
const invalid = (source: string, service: string): MathRow => [
  `sluice-dev-invalid-${source}`,
  [
    m('invalid', 'Sluice', 'EventsInvalid', { service, source }, 'Sum'),
    m('valid', 'Sluice', 'EventsValid', { service, source }, 'Sum'),
    e('percent', 'IF((FILL(invalid, 0) + FILL(valid, 0)) > 0, 100 * FILL(invalid, 0) / (FILL(invalid, 0) + FILL(valid, 0)), 0)', '% invalid'),
  ],
  GT,
  2,
  3,
  NB,
];
const flinkMath = (job: string): MathRow[] => [
  [
    `sluice-dev-flink-${job}-lag`,
    [
      {
        id: 'lag',
        returnData: true,
        expression: `SELECT MAX(millisBehindLatest) FROM "AWS/KinesisAnalytics" WHERE Application = 'sluice-dev-${job}'`,
        label: 'ms behind the source stream',
        period: 300,
      },
    ],
    GT,
    300000,
    3,
    NB,
  ],
  [`sluice-dev-flink-${job}-restarts`, [m('total', 'AWS/KinesisAnalytics', 'numRestarts', A(job), 'Maximum'), e('restarts', 'DIFF(total)', 'restarts in the period')], GE, 1, 1, NB],
  [
    `sluice-dev-flink-${job}-not-running`,
    [
      m('restarting', 'AWS/KinesisAnalytics', 'restartingTime', A(job), 'Maximum'),
      m('failing', 'AWS/KinesisAnalytics', 'failingTime', A(job), 'Maximum'),
      e('downtime', 'MAX([FILL(restarting, 0), FILL(failing, 0)])', 'ms restarting or failing'),
    ],
    GT,
    0,
    3,
    NB,
  ],
  [
    `sluice-dev-flink-${job}-failed-checkpoints`,
    [m('total', 'AWS/KinesisAnalytics', 'numberOfFailedCheckpoints', A(job), 'Maximum'), e('failed', 'DIFF(total)', 'failed checkpoints in the period')],
    GE,
    1,
    1,
    NB,
  ],
];
const METRIC_MATH: MathRow[] = [
  [
    'sluice-dev-zero-processed',
    [
      m('incoming', 'AWS/Kinesis', 'IncomingRecords', S('events'), 'Sum'),
      m('processed', 'AWS/Kinesis', 'IncomingRecords', S('processed'), 'Sum'),
      e('stalled', 'IF(FILL(incoming, 0) > 0 AND FILL(processed, 0) == 0, 1, 0)', 'events arrive, none processed'),
    ],
    GE,
    1,
    3,
    NB,
  ],
  ...flinkMath('dedup-filter'),
  ...flinkMath('aggregate'),
  invalid('stream', 'stream-validate'),
  invalid('partner-files', 's3-ingest'),
  invalid('backfill', 's3-ingest'),
];

describe('infra: monitoring under mocks', () => {
  let dev: MockRun;
  let prod: MockRun;
  before(async function () {
    this.timeout(120000);
    dev = await runStackProgram('dev');
    prod = await runStackProgram('prod');
  });
  const alarms = (run: MockRun) => run.ofType('aws:cloudwatch/metricAlarm:MetricAlarm');
  const alarm = (run: MockRun, name: string) => {
    const found = alarms(run).filter((a) => a.inputs.name === name);
    expect(found, name).to.have.length(1);
    return found[0]!.inputs;
  };

  it('creates exactly the alarms worked out by hand, all under the Monitoring component', () => {
    const expected = [...SINGLE_METRIC.map((r) => r[0]), ...METRIC_MATH.map((r) => r[0])].sort();
    expect(
      alarms(dev)
        .map((a) => a.inputs.name)
        .sort(),
    ).to.deep.equal(expected);
    for (const a of alarms(dev)) expect(a.parentName).to.equal('sluice-dev-monitoring');
  });

  for (const [name, namespace, metric, dims, stat, op, threshold, period, evals, missing] of SINGLE_METRIC) {
    it(`alarm ${name}: ${namespace} ${metric} ${stat} ${op} ${threshold} over ${evals} x ${period} s, missing ${missing}`, () => {
      const a = alarm(dev, name);
      expect(a).to.deep.include({
        namespace,
        metricName: metric,
        statistic: stat,
        comparisonOperator: op,
        threshold,
        period,
        evaluationPeriods: evals,
        datapointsToAlarm: evals,
        treatMissingData: missing,
        actionsEnabled: true,
      });
      expect(a.dimensions).to.deep.equal(dims);
      expect(a.alarmActions).to.deep.equal([TOPIC]);
      expect(a.okActions).to.deep.equal([TOPIC]);
      expect(a.metricQueries).to.equal(undefined);
      expect(a.alarmDescription).to.match(/Check first: /);
    });
  }

  for (const [name, queries, op, threshold, evals, missing] of METRIC_MATH) {
    it(`alarm ${name}: metric math ${op} ${threshold} over ${evals} period(s), missing ${missing}`, () => {
      const a = alarm(dev, name);
      expect(a.metricQueries).to.deep.equal(queries);
      expect(a).to.deep.include({ comparisonOperator: op, threshold, evaluationPeriods: evals, datapointsToAlarm: evals, treatMissingData: missing });
      expect(a.metricName).to.equal(undefined);
      expect(a.alarmActions).to.deep.equal([TOPIC]);
      expect(a.okActions).to.deep.equal([TOPIC]);
    });
  }

  it('reads prod thresholds from Pulumi.prod.yaml', () => {
    // 10 minutes: 5-minute periods would give only 2 datapoints, so ten 1-minute periods.
    expect(alarm(prod, 'sluice-prod-no-data')).to.deep.include({ period: 60, evaluationPeriods: 10, threshold: 0 });
    expect(alarm(prod, 'sluice-prod-flink-dedup-filter-lag')).to.deep.include({ threshold: 120000, evaluationPeriods: 5 });
    expect(alarm(prod, 'sluice-prod-flink-dedup-filter-lag').metricQueries[0].period).to.equal(60);
    expect(alarm(prod, 'sluice-prod-stream-validate-duration').threshold).to.equal(84000);
    expect(alarm(prod, 'sluice-prod-invalid-stream').threshold).to.equal(1);
  });

  it('watches only resources the program creates', () => {
    const names = (type: string, field = 'name') => new Set(dev.ofType(type).map((r) => r.inputs[field] as string));
    const exists: Record<string, Set<string>> = {
      StreamName: names('aws:kinesis/stream:Stream'),
      FunctionName: names('aws:lambda/function:Function'),
      Application: names('aws:kinesisanalyticsv2/application:Application'),
      QueueName: names('aws:sqs/queue:Queue'),
      DeliveryStreamName: names('aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream'),
      table: names('aws:glue/catalogTable:CatalogTable'),
      source: new Set(['stream', 'partner-files', 'backfill']),
      service: new Set(['stream-validate', 's3-ingest', 'lake-freshness', 'events-by-type']),
    };
    const dimensionSets = alarms(dev)
      .flatMap((a) => [a.inputs.dimensions, ...(a.inputs.metricQueries ?? []).map((q: any) => q.metric?.dimensions)])
      .filter(Boolean);
    const board = parse(dev.one('aws:cloudwatch/dashboard:Dashboard', '-monitoring-dashboard').inputs.dashboardBody);
    for (const w of board.widgets.filter((x: any) => x.type === 'metric')) {
      for (const line of w.properties.metrics) {
        const pairs = line.slice(2, -1);
        const dims: Record<string, string> = {};
        for (let i = 0; i < pairs.length; i += 2) dims[pairs[i]] = pairs[i + 1];
        dimensionSets.push(dims);
      }
    }
    expect(dimensionSets.length).to.be.greaterThan(70);
    for (const dims of dimensionSets) {
      for (const [k, v] of Object.entries(dims as Record<string, string>)) {
        expect(exists[k], `dimension ${k}`).to.not.equal(undefined);
        expect(exists[k]!.has(v), `${k}=${v} is not a resource of the stack`).to.equal(true);
      }
    }
  });

  it("encrypts the alarm topic with the stack key and lets only this account's CloudWatch alarms and Budgets publish", () => {
    const topic = dev.one('aws:sns/topic:Topic', '-monitoring-topic').inputs;
    expect(topic).to.include({ name: 'sluice-dev-alarms', kmsMasterKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/sluice-dev-kms-key` });
    const policy = parse(dev.one('aws:sns/topicPolicy:TopicPolicy', '-monitoring-topic-policy').inputs.policy);
    expect(policy.Statement).to.deep.equal([
      {
        Sid: 'CloudWatchAlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: TOPIC,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
      {
        Sid: 'BudgetsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: TOPIC,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:budgets::${ACCOUNT}:*` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
  });

  it('lets CloudWatch and Budgets use the stack key for the topic, only on behalf of this account', () => {
    const key = parse(dev.one('aws:kms/key:Key', '-kms-key').inputs.policy);
    const bySid = Object.fromEntries(key.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.CloudWatchAlarmsToEncryptedTopic).to.deep.equal({
      Sid: 'CloudWatchAlarmsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` } },
    });
    expect(bySid.BudgetsToEncryptedTopic).to.deep.equal({
      Sid: 'BudgetsToEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'budgets.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
  });

  it('subscribes the configured e-mail and HTTPS endpoints to the topic', () => {
    const subs = dev.ofType('aws:sns/topicSubscription:TopicSubscription').filter((s) => s.inputs.topic === TOPIC);
    expect(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint])).to.deep.equal([
      ['email', 'platform-team@example.com'],
      ['https', 'https://alerts.example.com/sluice-dev'],
    ]);
  });

  it('creates a monthly budget of the project and stack tags with actual and forecast alerts to the topic', () => {
    const b = dev.one('aws:budgets/budget:Budget', '-monitoring-budget').inputs;
    expect(b).to.deep.include({ name: 'sluice-dev-monthly', budgetType: 'COST', timeUnit: 'MONTHLY', limitAmount: '300.00', limitUnit: 'USD' });
    expect(b.filterExpression).to.deep.equal({
      ands: [{ tags: { key: 'project', values: ['sluice'], matchOptions: ['EQUALS'] } }, { tags: { key: 'stack', values: ['dev'], matchOptions: ['EQUALS'] } }],
    });
    expect(b.notifications).to.deep.equal([
      { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE', subscriberSnsTopicArns: [TOPIC] },
      { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE', subscriberSnsTopicArns: [TOPIC] },
    ]);
  });

  it('creates one dashboard per stack, named after it', () => {
    expect(dev.ofType('aws:cloudwatch/dashboard:Dashboard').map((d) => d.inputs.dashboardName)).to.deep.equal(['sluice-dev']);
  });

  it('turns the aggregates stream into events per type with a function that may only read that stream', () => {
    const fn = dev.one('aws:lambda/function:Function', '-monitoring-events-by-type').inputs;
    expect(fn).to.include({ name: 'sluice-dev-events-by-type', timeout: 60, memorySize: 128 });
    expect(fn.environment.variables).to.deep.include({ POWERTOOLS_SERVICE_NAME: 'events-by-type', POWERTOOLS_METRICS_NAMESPACE: 'Sluice' });
    const mapping = dev.one('aws:lambda/eventSourceMapping:EventSourceMapping', '-events-by-type-mapping').inputs;
    expect(mapping).to.include({
      eventSourceArn: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-aggregates',
      startingPosition: 'LATEST',
      batchSize: 1000,
      maximumBatchingWindowInSeconds: 60,
      maximumRetryAttempts: 2,
    });
    const policy = parse(dev.one('aws:iam/rolePolicy:RolePolicy', '-events-by-type-policy').inputs.policy);
    expect(policy.Statement.slice(0, 2)).to.deep.equal([
      {
        Sid: 'ReadAggregatesStream',
        Effect: 'Allow',
        Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
        Resource: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-aggregates',
      },
      { Sid: 'StackKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/sluice-dev-kms-key` },
    ]);
  });

  it('runs the lake-freshness function every 5 minutes, reading only the lake tables', () => {
    const fn = dev.one('aws:lambda/function:Function', '-monitoring-lake-freshness').inputs;
    expect(fn).to.include({ name: 'sluice-dev-lake-freshness', timeout: 60, memorySize: 128, runtime: 'nodejs24.x' });
    expect(fn.environment.variables).to.deep.include({
      SLUICE_GLUE_DATABASE: 'sluice_dev',
      SLUICE_LAKE_TABLES: 'events,aggregates',
      POWERTOOLS_SERVICE_NAME: 'lake-freshness',
      POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
    });
    expect(dev.one('aws:cloudwatch/eventRule:EventRule', '-lake-freshness-schedule').inputs.scheduleExpression).to.equal('rate(5 minutes)');
    const permission = dev.one('aws:lambda/permission:Permission', '-lake-freshness-invoke').inputs;
    expect(permission).to.include({ principal: 'events.amazonaws.com', sourceAccount: ACCOUNT, sourceArn: 'arn:aws:events:eu-west-1:111111111111:rule/sluice-dev-lake-freshness' });
    const policy = parse(dev.one('aws:iam/rolePolicy:RolePolicy', '-lake-freshness-policy').inputs.policy);
    expect(policy.Statement[0]).to.deep.equal({
      Sid: 'ReadLakeTables',
      Effect: 'Allow',
      Action: 'glue:GetTable',
      Resource: [
        `arn:aws:glue:eu-west-1:${ACCOUNT}:catalog`,
        `arn:aws:glue:eu-west-1:${ACCOUNT}:database/sluice_dev`,
        `arn:aws:glue:eu-west-1:${ACCOUNT}:table/sluice_dev/events`,
        `arn:aws:glue:eu-west-1:${ACCOUNT}:table/sluice_dev/aggregates`,
      ],
    });
  });
});
