import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { LAKE_FRESHNESS_ENV, METRICS_NAMESPACE } from '../core/function-env';
import { alarmSpecs, EVENTS_BY_TYPE_SERVICE, LAKE_FRESHNESS_INTERVAL_MINUTES, LAKE_FRESHNESS_SERVICE, type AlarmSpec, type MetricStat } from '../core/monitoring/alarms';
import { budgetSpec } from '../core/monitoring/budget';
import { dashboardBody } from '../core/monitoring/dashboard';
import { EVENTS_BY_TYPE_TIMEOUT_SECONDS, eventsByTypeFunctionName, LAKE_FRESHNESS_TIMEOUT_SECONDS, monitoredStack, type MonitoredStack } from '../core/monitoring/inventory';
import { physicalName, tagsFor } from '../core/naming';
import { SluiceConfig } from '../stacks/types';
import { functionBundle } from './bundle';
import { buildNamedFunction, type FunctionCode } from './function-code';

export interface MonitoringArgs {
  config: SluiceConfig;
  /** The stack key: the alarm topic and the lake-freshness function's logs are encrypted with it. */
  keyArn: pulumi.Input<string>;
  /** The `aggregates` stream, whose window results the events-by-type function turns into a metric. */
  aggregatesStreamArn: pulumi.Input<string>;
  /** Built code of the monitoring functions (a release's); each one missing is bundled from the working tree. */
  functionCode?: { 'lake-freshness'?: FunctionCode; 'events-by-type'?: FunctionCode };
}

type Statement = Record<string, unknown>;
const policy = (statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

/**
 * Who may publish to the alarm topic: CloudWatch alarms and AWS Budgets of this account, and
 * nobody else (the account's own principals keep the default IAM-based access).
 */
export function alarmTopicPolicy(s: { topicArn: string; account: string; region: string }): object {
  return policy([
    {
      Sid: 'CloudWatchAlarmsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: s.topicArn,
      Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${s.region}:${s.account}:alarm:*` }, StringEquals: { 'aws:SourceAccount': s.account } },
    },
    {
      Sid: 'BudgetsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'budgets.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: s.topicArn,
      Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:budgets::${s.account}:*` }, StringEquals: { 'aws:SourceAccount': s.account } },
    },
  ]);
}

/** The lake-freshness function reads the lake tables' catalog entries and writes its own logs. */
export function lakeFreshnessRolePolicy(s: { region: string; account: string; database: string; tables: readonly string[]; logGroupArn: string; keyArn: string; functionName: string }): object {
  const glue = `arn:aws:glue:${s.region}:${s.account}`;
  return policy([
    {
      Sid: 'ReadLakeTables',
      Effect: 'Allow',
      Action: 'glue:GetTable',
      Resource: [`${glue}:catalog`, `${glue}:database/${s.database}`, ...s.tables.map((t) => `${glue}:table/${s.database}/${t}`)],
    },
    { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${s.logGroupArn}:log-stream:*` },
    // The function's environment is encrypted with the stack key, which Lambda decrypts with this role.
    { Sid: 'OwnEnvironment', Effect: 'Allow', Action: 'kms:Decrypt', Resource: s.keyArn, Condition: { StringEquals: { 'kms:EncryptionContext:LambdaFunctionName': s.functionName } } },
  ]);
}

/** The events-by-type function reads the aggregates stream (what an event source mapping needs), decrypts it and writes its own logs. */
export function eventsByTypeRolePolicy(s: { streamArn: string; keyArn: string; logGroupArn: string }): object {
  return policy([
    {
      Sid: 'ReadAggregatesStream',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
      Resource: s.streamArn,
    },
    { Sid: 'StackKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: s.keyArn },
    { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${s.logGroupArn}:log-stream:*` },
  ]);
}

function metricArgs(m: MetricStat) {
  return { namespace: m.namespace, metricName: m.metricName, dimensions: { ...m.dimensions }, statistic: m.statistic, period: m.period };
}

/** The MetricAlarm inputs of one alarm spec, with the topic as alarm and OK action. */
export function metricAlarmArgs(spec: AlarmSpec, topicArn: pulumi.Input<string>, tags: Record<string, string>): aws.cloudwatch.MetricAlarmArgs {
  const common = {
    name: spec.name,
    alarmDescription: spec.description,
    comparisonOperator: spec.comparisonOperator,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData,
    actionsEnabled: true,
    alarmActions: [topicArn],
    okActions: [topicArn],
    tags,
  };
  if (spec.metric) return { ...common, ...metricArgs(spec.metric) };
  return {
    ...common,
    metricQueries: (spec.queries ?? []).map((q) => ({
      id: q.id,
      returnData: q.returnData,
      ...(q.label ? { label: q.label } : {}),
      ...(q.expression ? { expression: q.expression } : {}),
      ...(q.period !== undefined ? { period: q.period } : {}),
      ...(q.metric ? { metric: { namespace: q.metric.namespace, metricName: q.metric.metricName, dimensions: { ...q.metric.dimensions }, stat: q.metric.statistic, period: q.metric.period } } : {}),
    })),
  };
}

/**
 * Monitoring of one stack: a KMS-encrypted alarm topic (CloudWatch and Budgets may publish, the
 * configured e-mail and HTTPS endpoints subscribe), every alarm of core/monitoring/alarms.ts with
 * the topic as alarm and OK action, the lake-freshness function that publishes each Iceberg
 * table's commit age on a schedule, the events-by-type function that turns the aggregate windows
 * into a per-type metric, one dashboard, and the monthly budget with actual and forecast alerts. Thresholds, periods and subscribers come from `sluice:alerts`.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: Record<string, aws.cloudwatch.MetricAlarm>;
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly budget: aws.budgets.Budget;
  readonly lakeFreshness: aws.lambda.Function;
  readonly eventsByType: aws.lambda.Function;
  readonly inventory: MonitoredStack;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:monitoring:Monitoring', name, {}, opts);
    const { config, keyArn } = args;
    const { id: account, region } = config.account;
    const tags = tagsFor(config, 'monitoring');
    const child = { parent: this };
    const inv = monitoredStack(config);
    this.inventory = inv;

    this.topic = new aws.sns.Topic(`${name}-topic`, { name: physicalName(config, 'alarms'), kmsMasterKeyId: keyArn, tags }, child);
    new aws.sns.TopicPolicy(`${name}-topic-policy`, { arn: this.topic.arn, policy: this.topic.arn.apply((topicArn) => JSON.stringify(alarmTopicPolicy({ topicArn, account, region }))) }, child);
    config.alerts.email.forEach((address, i) => new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: 'email', endpoint: address }, child));
    config.alerts.https.forEach((url, i) => new aws.sns.TopicSubscription(`${name}-https-${i}`, { topic: this.topic.arn, protocol: 'https', endpoint: url, endpointAutoConfirms: false }, child));

    const functionName = physicalName(config, 'lake-freshness');
    const logs = new aws.cloudwatch.LogGroup(`${name}-lake-freshness-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: config.logs.retentionDays, kmsKeyId: keyArn, tags }, child);
    const role = new aws.iam.Role(
      `${name}-lake-freshness-role`,
      {
        name: functionName,
        assumeRolePolicy: JSON.stringify(policy([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }])),
        tags,
      },
      child,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-lake-freshness-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([logs.arn, keyArn])
          .apply(([logGroupArn, k]) => JSON.stringify(lakeFreshnessRolePolicy({ region, account, database: inv.database, tables: inv.lakeTables, logGroupArn, keyArn: k, functionName }))),
      },
      child,
    );
    const bundle = functionBundle(args.functionCode?.['lake-freshness'] ?? buildNamedFunction('lake-freshness'));
    this.lakeFreshness = new aws.lambda.Function(
      `${name}-lake-freshness`,
      {
        name: functionName,
        description: `Sluice ${config.stack}: publishes the commit age of each lake table (bundle sha256 ${bundle.sha256.slice(0, 16)})`,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        memorySize: 128,
        timeout: LAKE_FRESHNESS_TIMEOUT_SECONDS,
        code: bundle.code,
        role: role.arn,
        kmsKeyArn: keyArn,
        loggingConfig: { logFormat: 'JSON', logGroup: logs.name },
        environment: {
          variables: {
            POWERTOOLS_SERVICE_NAME: LAKE_FRESHNESS_SERVICE,
            POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            [LAKE_FRESHNESS_ENV.database]: inv.database,
            [LAKE_FRESHNESS_ENV.tables]: inv.lakeTables.join(','),
          },
        },
        tags,
      },
      { parent: this, dependsOn: [logs, rolePolicy] },
    );
    const schedule = new aws.cloudwatch.EventRule(
      `${name}-lake-freshness-schedule`,
      { name: functionName, description: `Sluice ${config.stack}: publish lake commit ages`, scheduleExpression: `rate(${LAKE_FRESHNESS_INTERVAL_MINUTES} minutes)`, tags },
      child,
    );
    new aws.lambda.Permission(
      `${name}-lake-freshness-invoke`,
      { action: 'lambda:InvokeFunction', function: this.lakeFreshness.name, principal: 'events.amazonaws.com', sourceArn: schedule.arn, sourceAccount: account },
      child,
    );
    new aws.cloudwatch.EventTarget(`${name}-lake-freshness-target`, { rule: schedule.name, arn: this.lakeFreshness.arn }, child);

    const typesName = eventsByTypeFunctionName(config);
    const typesLogs = new aws.cloudwatch.LogGroup(`${name}-events-by-type-logs`, { name: `/aws/lambda/${typesName}`, retentionInDays: config.logs.retentionDays, kmsKeyId: keyArn, tags }, child);
    const typesRole = new aws.iam.Role(
      `${name}-events-by-type-role`,
      {
        name: typesName,
        assumeRolePolicy: JSON.stringify(policy([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }])),
        tags,
      },
      child,
    );
    const typesPolicy = new aws.iam.RolePolicy(
      `${name}-events-by-type-policy`,
      {
        role: typesRole.id,
        policy: pulumi.all([args.aggregatesStreamArn, keyArn, typesLogs.arn]).apply(([streamArn, k, logGroupArn]) => JSON.stringify(eventsByTypeRolePolicy({ streamArn, keyArn: k, logGroupArn }))),
      },
      child,
    );
    const typesBundle = functionBundle(args.functionCode?.['events-by-type'] ?? buildNamedFunction('events-by-type'));
    this.eventsByType = new aws.lambda.Function(
      `${name}-events-by-type`,
      {
        name: typesName,
        description: `Sluice ${config.stack}: publishes events per type from the aggregate windows (bundle sha256 ${typesBundle.sha256.slice(0, 16)})`,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        memorySize: 128,
        timeout: EVENTS_BY_TYPE_TIMEOUT_SECONDS,
        code: typesBundle.code,
        role: typesRole.arn,
        kmsKeyArn: keyArn,
        loggingConfig: { logFormat: 'JSON', logGroup: typesLogs.name },
        environment: { variables: { POWERTOOLS_SERVICE_NAME: EVENTS_BY_TYPE_SERVICE, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL: 'INFO' } },
        tags,
      },
      { parent: this, dependsOn: [typesLogs, typesPolicy] },
    );
    new aws.lambda.EventSourceMapping(
      `${name}-events-by-type-mapping`,
      {
        eventSourceArn: args.aggregatesStreamArn,
        functionName: this.eventsByType.arn,
        // A dashboard metric: what is on the stream when the mapping is created is not worth replaying.
        startingPosition: 'LATEST',
        batchSize: 1000,
        // One invocation a minute at most: windows arrive in bursts at each watermark.
        maximumBatchingWindowInSeconds: 60,
        maximumRetryAttempts: 2,
        tags,
      },
      { parent: this, dependsOn: [typesPolicy] },
    );

    this.alarms = {};
    for (const spec of alarmSpecs(inv, config.alerts)) {
      this.alarms[spec.key] = new aws.cloudwatch.MetricAlarm(`${name}-${spec.key}`, metricAlarmArgs(spec, this.topic.arn, tags), child);
    }

    this.dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, { dashboardName: physicalName(config), dashboardBody: JSON.stringify(dashboardBody(inv, config.alerts.periodSeconds)) }, child);

    const b = budgetSpec(config, config.alerts.budget);
    this.budget = new aws.budgets.Budget(
      `${name}-budget`,
      {
        name: b.name,
        budgetType: b.budgetType,
        timeUnit: b.timeUnit,
        limitAmount: b.limitAmount,
        limitUnit: b.limitUnit,
        filterExpression: { ands: b.tagFilters.map((t) => ({ tags: { key: t.key, values: [...t.values], matchOptions: ['EQUALS'] } })) },
        notifications: b.notifications.map((n) => ({ ...n, subscriberSnsTopicArns: [this.topic.arn] })),
        tags,
      },
      child,
    );

    this.registerOutputs({
      topicArn: this.topic.arn,
      dashboardName: this.dashboard.dashboardName,
      budgetName: this.budget.name,
      alarmNames: Object.values(this.alarms).map((a) => a.name),
    });
  }
}
