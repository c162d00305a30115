/**
 * The access paths a stack needs, one line each (who, principal, action, resource, context, and the
 * documentation page that says the service needs it), and the paths that must stay closed. Built
 * from a mocked run's config and resources, so every ARN is the one the program wrote.
 */
import { ICEBERG_TABLES, LAKE_AGGREGATES, LAKE_EVENTS, RAW_EVENTS } from '../../core/lake/schema';
import { ICEBERG_DATA_DIR, ICEBERG_METADATA_DIR, OPTIMIZER_LOG_GROUPS } from '../../core/lake/access';
import { errorZonePrefix, STREAM_SOURCE } from '../../core/error-zone';
import type { PolicyDocument } from '../../core/iam';
import { loadStackConfig, sluiceValues } from '../../stacks/load';
import type { SluiceConfig } from '../../stacks/types';
import { stackPolicies, UNRESTRICTED, type AccessRequest, type StackPolicies } from '../support/iam';
import { CONSUMER_CREATED, stackConfigMap, type MockRun } from '../support/pulumi';

export interface AccessPath extends AccessRequest {
  /** Who, in words. */
  who: string;
  /** The page that says this call is needed (allow table) or why it must fail (deny table). */
  doc: string;
  /** Identity policies of a principal outside the stack (its own account's IAM); stack principals use theirs. */
  identity?: readonly PolicyDocument[];
}

export const DOCS = {
  lambdaKinesis: 'https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html',
  lambdaOnFailure: 'https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html',
  lambdaDlq: 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
  lambdaLogs: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html',
  lambdaEnvKey: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html',
  lambdaRole: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
  s3Actions: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html',
  s3Kms: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html',
  s3ToSns: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html',
  snsKms: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html',
  sqsKms: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html',
  kinesisKms: 'https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html',
  kinesisShare: 'https://docs.aws.amazon.com/streams/latest/dev/resource-based-policy-examples.html',
  kinesisEfo: 'https://docs.aws.amazon.com/streams/latest/dev/building-enhanced-consumers-api.html',
  flinkConnector: 'https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kinesis/',
  flinkRole: 'https://docs.aws.amazon.com/managed-flink/latest/java/iam-role.html',
  flinkCode: 'https://docs.aws.amazon.com/managed-flink/latest/java/get-started-exercise.html',
  flinkLogs: 'https://docs.aws.amazon.com/managed-flink/latest/java/cloudwatch-logs.html',
  firehoseAccess: 'https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html',
  logsKms: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  athenaWorkgroup: 'https://docs.aws.amazon.com/athena/latest/ug/example-policies-workgroup.html',
  athenaCatalog: 'https://docs.aws.amazon.com/athena/latest/ug/datacatalogs-example-policies.html',
  athenaGlue: 'https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html',
  athenaS3: 'https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html',
  athenaKms: 'https://docs.aws.amazon.com/athena/latest/ug/encryption.html',
  trust: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
  tls: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html',
  snsServices: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
  alarmActions: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html',
  budgetsSns: 'https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html',
  glueRead: 'https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html',
  icebergAws: 'https://iceberg.apache.org/docs/latest/aws/',
  flinkKey: 'https://docs.aws.amazon.com/managed-flink/latest/java/manage-cmk-api.html',
  glueOptimizer: 'https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html',
  mskIam: 'https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html',
  flinkVpc: 'https://docs.aws.amazon.com/managed-flink/latest/java/vpc-permissions.html',
} as const;

/** The stack's config exactly as the program read it. */
export function configOf(stack: string, edit?: (config: Record<string, any>) => void): SluiceConfig {
  return loadStackConfig(stack, sluiceValues(stackConfigMap(stack, edit)));
}

/** The principal the analysts use: any role of the stack's account with the analyst policy attached. */
export const analystRole = (account: string) => `arn:aws:iam::${account}:role/analyst`;

/** The policies of a mocked run, the analysts' managed policy attached to their role. */
export function policiesOf(run: MockRun, stack: string): StackPolicies {
  return stackPolicies(run, { [`sluice-${stack}-analyst`]: analystRole(run.account) });
}

/** A principal of another account, which that account's IAM lets do anything. */
export const outsider = (account: string, name: string) => ({ principal: `arn:aws:iam::${account}:role/${name}`, identity: [UNRESTRICTED] });

export function accessTables(run: MockRun, config: SluiceConfig): { allow: AccessPath[]; deny: AccessPath[] } {
  const { id: account, region } = config.account;
  const n = (...parts: string[]) => ['sluice', config.stack, ...parts].join('-');
  const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const key = `arn:aws:kms:${region}:${account}:key/${n('kms', 'key')}`;
  const stream = (s: string) => `arn:aws:kinesis:${region}:${account}:stream/${n(s)}`;
  const bucket = (purpose: string) => `arn:aws:s3:::${n(account, purpose)}`;
  const lake = bucket('lake');
  const landing = bucket('landing');
  const results = bucket('athena-results');
  const logGroup = (name: string) => `arn:aws:logs:${region}:${account}:log-group:${name}`;
  const queue = (name: string) => `arn:aws:sqs:${region}:${account}:${n(name)}`;
  const via = (service: string) => `${service}.${region}.amazonaws.com`;
  const throughKinesis = (s: string) => ({ 'kms:ViaService': via('kinesis'), 'kms:EncryptionContext:aws:kinesis:arn': stream(s) });
  const throughS3 = (arn: string) => ({ 'kms:ViaService': via('s3'), 'kms:EncryptionContext:aws:s3:arn': arn });
  const throughSqs = (arn: string) => ({ 'kms:ViaService': via('sqs'), 'kms:EncryptionContext:aws:sqs:arn': arn });
  const tls = { 'aws:SecureTransport': 'true' };
  const glue = (suffix: string) => `arn:aws:glue:${region}:${account}:${suffix}`;
  const database = `sluice_${config.stack}`;
  const workgroup = `arn:aws:athena:${region}:${account}:workgroup/${n('analysts')}`;
  const dataCatalog = `arn:aws:athena:${region}:${account}:datacatalog/AwsDataCatalog`;
  const codeKey = run.ofType('aws:s3/bucketObjectv2:BucketObjectv2')[0]?.inputs.key as string;

  const allow: AccessPath[] = [];
  const add = (who: string, principal: string, doc: string, action: string, resource: string, context?: Record<string, string | string[]>, identity?: readonly PolicyDocument[]) =>
    allow.push({ who, principal, action, resource, doc, ...(context ? { context } : {}), ...(identity ? { identity } : {}) });

  /** What every ingestion function does: publish to `events`, write its error prefix, its failure queue, its logs, its environment. */
  const ingestionCommon = (who: string, fn: string, errorPrefix: string, failureQueue: string, queueDoc: string) => {
    const principal = role(fn);
    add(who, principal, DOCS.kinesisKms, 'kinesis:PutRecords', stream('events'));
    add(who, principal, DOCS.kinesisKms, 'kms:GenerateDataKey', key, throughKinesis('events'));
    const errorObject = `${lake}/${errorPrefix}dt=2026-03-17/part-0001.jsonl`;
    add(who, principal, DOCS.s3Actions, 's3:PutObject', errorObject, tls);
    add(who, principal, DOCS.s3Kms, 'kms:GenerateDataKey', key, throughS3(errorObject));
    add(who, principal, queueDoc, 'sqs:SendMessage', queue(failureQueue));
    add(who, principal, DOCS.sqsKms, 'kms:GenerateDataKey', key, throughSqs(queue(failureQueue)));
    const logs = `${logGroup(`/aws/lambda/${fn}`)}:log-stream:2026/03/17/[$LATEST]0123`;
    add(who, principal, DOCS.lambdaLogs, 'logs:CreateLogStream', logs);
    add(who, principal, DOCS.lambdaLogs, 'logs:PutLogEvents', logs);
    add(who, principal, DOCS.lambdaEnvKey, 'kms:Decrypt', key, { 'kms:EncryptionContext:LambdaFunctionName': fn });
    add(who, 'lambda.amazonaws.com', DOCS.lambdaRole, 'sts:AssumeRole', principal);
  };

  for (const source of config.ingestion.sources) {
    const fn = n('s3-ingest', source.name);
    const who = `s3-ingest of source ${source.name}`;
    const object = `${landing}/${source.prefix}2026/03/17/drop.jsonl`;
    add(who, role(fn), DOCS.s3Actions, 's3:GetObjectVersion', object, tls);
    // A notification without versionId (an object written before versioning, a hand-made test event) reads by key.
    add(who, role(fn), DOCS.s3Actions, 's3:GetObject', object, tls);
    add(who, role(fn), DOCS.s3Kms, 'kms:Decrypt', key, throughS3(object));
    ingestionCommon(who, fn, errorZonePrefix(source.name), 's3-ingest-dlq', DOCS.lambdaDlq);
    const topic = `arn:aws:sns:${region}:${account}:${n('landing', source.name)}`;
    add(`S3 notifications of the landing bucket (${source.name})`, 's3.amazonaws.com', DOCS.s3ToSns, 'sns:Publish', topic, { 'aws:SourceArn': landing, 'aws:SourceAccount': account });
  }
  add('S3 notifications to the encrypted topics', 's3.amazonaws.com', DOCS.snsKms, 'kms:GenerateDataKey', key, { 'aws:SourceAccount': account });
  add('S3 notifications to the encrypted topics', 's3.amazonaws.com', DOCS.snsKms, 'kms:Decrypt', key, { 'aws:SourceAccount': account });

  const validate = n('stream-validate');
  for (const action of ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']) {
    add('stream-validate (its event source mapping)', role(validate), DOCS.lambdaKinesis, action, stream('ingest'));
  }
  add('stream-validate (its event source mapping)', role(validate), DOCS.kinesisKms, 'kms:Decrypt', key, throughKinesis('ingest'));
  ingestionCommon('stream-validate', validate, errorZonePrefix(STREAM_SOURCE), 'stream-validate-failures', DOCS.lambdaOnFailure);

  const logsService = `logs.${region}.amazonaws.com`;
  const someGroup = { 'kms:EncryptionContext:aws:logs:arn': logGroup(`/aws/lambda/${validate}`) };
  for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey']) {
    add('CloudWatch Logs, for the encrypted log groups', logsService, DOCS.logsKms, action, key, someGroup);
  }

  for (const job of ['dedup-filter', 'aggregate'] as const) {
    const principal = role(n(job, 'flink'));
    const who = `Flink application ${job}`;
    const [source, sink] = job === 'dedup-filter' ? ['events', 'processed'] : ['processed', 'aggregates'];
    for (const action of ['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'])
      add(who, principal, DOCS.flinkConnector, action, stream(source as string));
    add(who, principal, DOCS.kinesisKms, 'kms:Decrypt', key, throughKinesis(source as string));
    add(who, principal, DOCS.flinkConnector, 'kinesis:PutRecords', stream(sink as string));
    add(who, principal, DOCS.kinesisKms, 'kms:GenerateDataKey', key, throughKinesis(sink as string));
    const code = `${lake}/${codeKey}`;
    add(who, principal, DOCS.flinkCode, 's3:GetObject', code, tls);
    add(who, principal, DOCS.flinkCode, 's3:GetObjectVersion', code, tls);
    add(who, principal, DOCS.s3Kms, 'kms:Decrypt', key, throughS3(code));
    const group = logGroup(`/aws/kinesis-analytics/${n(job)}`);
    add(who, principal, DOCS.flinkLogs, 'logs:DescribeLogGroups', '*');
    add(who, principal, DOCS.flinkLogs, 'logs:DescribeLogStreams', `${group}:log-stream:application`);
    add(who, principal, DOCS.flinkLogs, 'logs:PutLogEvents', `${group}:log-stream:application`);
    add(who, 'kinesisanalytics.amazonaws.com', DOCS.flinkRole, 'sts:AssumeRole', principal, {
      'aws:SourceAccount': account,
      'aws:SourceArn': `arn:aws:kinesisanalytics:${region}:${account}:application/${n(job)}`,
    });

    // The job appends to its Iceberg table through GlueCatalog and S3FileIO (core/lake/access.ts says which call needs what).
    const table = job === 'dedup-filter' ? LAKE_EVENTS : LAKE_AGGREGATES;
    for (const resource of [glue('catalog'), glue(`database/${database}`)]) add(who, principal, DOCS.icebergAws, 'glue:GetDatabase', resource);
    for (const resource of [glue('catalog'), glue(`database/${database}`), glue(`table/${database}/${table.name}`)]) {
      for (const action of ['glue:GetTable', 'glue:UpdateTable']) add(who, principal, DOCS.icebergAws, action, resource);
    }
    const metadata = `${lake}/${table.prefix}${ICEBERG_METADATA_DIR}00042-b.metadata.json`;
    const dataFile = `${lake}/${table.prefix}${ICEBERG_DATA_DIR}event_type=account/00000-0-a.parquet`;
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) add(who, principal, DOCS.icebergAws, action, metadata, tls);
    for (const action of ['s3:PutObject', 's3:AbortMultipartUpload']) add(who, principal, DOCS.icebergAws, action, dataFile, tls);
    add(who, principal, DOCS.s3Kms, 'kms:GenerateDataKey', key, throughS3(dataFile));
    add(who, principal, DOCS.s3Kms, 'kms:Decrypt', key, throughS3(metadata));

    // Managed Flink encrypts the application's state with the stack key, for this application only.
    const application = `arn:aws:kinesisanalytics:${region}:${account}:application/${n(job)}`;
    const state = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': application, 'aws:SourceArn': application, 'aws:SourceAccount': account };
    const flinkService = 'kinesisanalytics.amazonaws.com';
    const infrastructure = 'infrastructure.kinesisanalytics.amazonaws.com';
    add(`Managed Flink for ${job}`, flinkService, DOCS.flinkKey, 'kms:DescribeKey', key, { 'aws:SourceArn': application, 'aws:SourceAccount': account });
    add(`Managed Flink for ${job}`, infrastructure, DOCS.flinkKey, 'kms:DescribeKey', key, { 'aws:SourceArn': application, 'aws:SourceAccount': account });
    add(`Managed Flink for ${job}, a snapshot`, flinkService, DOCS.flinkKey, 'kms:GenerateDataKey', key, state);
    add(`Managed Flink for ${job}, a restore`, flinkService, DOCS.flinkKey, 'kms:Decrypt', key, { 'kms:EncryptionContext:aws:kinesisanalytics:arn': application });
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext']) {
      add(`Managed Flink for ${job}, running state`, infrastructure, DOCS.flinkKey, action, key, { 'kms:EncryptionContext:aws:kinesisanalytics:arn': application });
    }
    add(`Managed Flink for ${job}, a decrypt-only grant for the running application`, infrastructure, DOCS.flinkKey, 'kms:CreateGrant', key, {
      'kms:EncryptionContext:aws:kinesisanalytics:arn': application,
      'kms:GrantConstraintType': 'EncryptionContextSubset',
      'kms:GrantOperations': ['Decrypt'],
    });
  }

  const optimizer = n('table-optimizer');
  if (run.ofType('aws:iam/role:Role').some((r) => r.inputs.name === optimizer)) {
    const who = 'Glue table optimizers';
    const principal = role(optimizer);
    add(who, 'glue.amazonaws.com', DOCS.glueOptimizer, 'sts:AssumeRole', principal);
    for (const table of ICEBERG_TABLES) {
      const dataFile = `${lake}/${table.prefix}${ICEBERG_DATA_DIR}event_type=account/00001.parquet`;
      const metadata = `${lake}/${table.prefix}${ICEBERG_METADATA_DIR}00041.metadata.json`;
      for (const object of [dataFile, metadata]) {
        for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) add(who, principal, DOCS.glueOptimizer, action, object, tls);
      }
      add(who, principal, DOCS.glueOptimizer, 's3:ListBucket', lake, { ...tls, 's3:prefix': table.prefix });
      add(who, principal, DOCS.s3Kms, 'kms:Decrypt', key, throughS3(dataFile));
      add(who, principal, DOCS.s3Kms, 'kms:GenerateDataKey', key, throughS3(dataFile));
      for (const resource of [glue('catalog'), glue(`database/${database}`), glue(`table/${database}/${table.name}`)]) {
        for (const action of ['glue:GetTable', 'glue:UpdateTable']) add(who, principal, DOCS.glueOptimizer, action, resource);
      }
    }
    for (const group of OPTIMIZER_LOG_GROUPS) {
      add(who, principal, DOCS.glueOptimizer, 'logs:CreateLogGroup', logGroup(group));
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) add(who, principal, DOCS.glueOptimizer, action, `${logGroup(group)}:log-stream:run-1`);
    }
  }

  const kafka = config.sources.kafka;
  if (kafka) {
    const who = 'Flink application dedup-filter, its MSK source';
    const principal = role(n('dedup-filter', 'flink'));
    // Topics and groups are named under the cluster's name and UUID (MSK's IAM access control resource ARNs).
    const arn = (type: string, rest: string) => `${kafka.clusterArn.replace(':cluster/', `:${type}/`)}/${rest}`;
    add(who, principal, DOCS.mskIam, 'kafka-cluster:Connect', kafka.clusterArn);
    for (const action of ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']) add(who, principal, DOCS.mskIam, action, arn('topic', kafka.topic));
    for (const action of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) add(who, principal, DOCS.mskIam, action, arn('group', kafka.consumerGroup));
    for (const action of ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces'])
      add(who, principal, DOCS.flinkVpc, action, '*');
    const ec2 = (type: string, id: string) => `arn:aws:ec2:${region}:${account}:${type}/${id}`;
    // Managed Flink places the interfaces in the subnets and security groups of the application's VPC configuration: given, or of the VPC the program created.
    const vpc = run.one('aws:kinesisanalyticsv2/application:Application', '-processing-dedup-filter-app').inputs.applicationConfiguration.vpcConfiguration as {
      subnetIds: string[];
      securityGroupIds: string[];
    };
    for (const resource of [...vpc.subnetIds.map((s) => ec2('subnet', s)), ...vpc.securityGroupIds.map((g) => ec2('security-group', g)), ec2('network-interface', 'eni-0123456789abcdef0')]) {
      add(who, principal, DOCS.flinkVpc, 'ec2:CreateNetworkInterface', resource);
    }
    for (const action of ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface']) add(who, principal, DOCS.flinkVpc, action, ec2('network-interface', 'eni-0123456789abcdef0'));
  }

  const deliveries = run.ofType('aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream').map((f) => f.inputs.name.slice(n('').length) as string);
  // The one delivery stream: the curated tables are written by the Flink jobs (Iceberg), not by Firehose.
  const deliveryStreams: Record<string, { source: string; prefix: string }> = { archive: { source: 'events', prefix: RAW_EVENTS.prefix } };
  for (const delivery of deliveries) {
    const d = deliveryStreams[delivery];
    if (!d) throw new Error(`no access paths written for the delivery stream ${delivery}`);
    const principal = role(n('delivery', delivery));
    const who = `Firehose ${delivery}`;
    for (const action of ['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']) add(who, principal, DOCS.firehoseAccess, action, stream(d.source));
    add(who, principal, DOCS.firehoseAccess, 'kms:Decrypt', key, throughKinesis(d.source));
    for (const action of ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads']) add(who, principal, DOCS.firehoseAccess, action, lake, tls);
    for (const prefix of [d.prefix, `errors/delivery/${delivery}/`]) {
      const object = `${lake}/${prefix}2026/part-0001`;
      for (const action of ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload']) add(who, principal, DOCS.firehoseAccess, action, object, tls);
      add(who, principal, DOCS.firehoseAccess, 'kms:GenerateDataKey', key, throughS3(object));
    }
    add(who, principal, DOCS.firehoseAccess, 'logs:PutLogEvents', `${logGroup(`/aws/kinesisfirehose/${n(delivery)}`)}:log-stream:DestinationDelivery`);
    add(who, 'firehose.amazonaws.com', DOCS.firehoseAccess, 'sts:AssumeRole', principal, { 'sts:ExternalId': account });
  }
  const alarmTopic = `arn:aws:sns:${region}:${account}:${n('alarms')}`;
  if (run.ofType('aws:sns/topic:Topic').some((t) => t.inputs.name === n('alarms'))) {
    const alarm = { 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${account}:alarm:${n('no-data')}` };
    add('CloudWatch alarms', 'cloudwatch.amazonaws.com', DOCS.alarmActions, 'sns:Publish', alarmTopic, alarm);
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) add('CloudWatch alarms, to the encrypted topic', 'cloudwatch.amazonaws.com', DOCS.snsServices, action, key, alarm);
    const budget = { 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:budgets::${account}:budget/${n('monthly')}` };
    add('AWS Budgets', 'budgets.amazonaws.com', DOCS.budgetsSns, 'sns:Publish', alarmTopic, budget);
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) add('AWS Budgets, to the encrypted topic', 'budgets.amazonaws.com', DOCS.snsServices, action, key, { 'aws:SourceAccount': account });
  }
  const freshness = run.ofType('aws:lambda/function:Function').find((f) => f.inputs.name === n('lake-freshness'));
  if (freshness) {
    const fn = n('lake-freshness');
    const who = 'lake-freshness';
    const tables = String(freshness.inputs.environment?.variables?.SLUICE_LAKE_TABLES ?? '')
      .split(',')
      .filter((t) => t !== '');
    if (tables.length === 0) throw new Error('the lake-freshness function names no tables');
    for (const table of tables) add(who, role(fn), DOCS.glueRead, 'glue:GetTable', glue(`table/${database}/${table}`));
    const logs = `${logGroup(`/aws/lambda/${fn}`)}:log-stream:2026/03/17/[$LATEST]0123`;
    add(who, role(fn), DOCS.lambdaLogs, 'logs:CreateLogStream', logs);
    add(who, role(fn), DOCS.lambdaLogs, 'logs:PutLogEvents', logs);
    add(who, role(fn), DOCS.lambdaEnvKey, 'kms:Decrypt', key, { 'kms:EncryptionContext:LambdaFunctionName': fn });
    add(who, 'lambda.amazonaws.com', DOCS.lambdaRole, 'sts:AssumeRole', role(fn));
  }

  if (run.ofType('aws:lambda/function:Function').some((f) => f.inputs.name === n('events-by-type'))) {
    const fn = n('events-by-type');
    const who = 'events-by-type (its event source mapping on aggregates)';
    for (const action of ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'])
      add(who, role(fn), DOCS.lambdaKinesis, action, stream('aggregates'));
    add(who, role(fn), DOCS.kinesisKms, 'kms:Decrypt', key, throughKinesis('aggregates'));
    const logs = `${logGroup(`/aws/lambda/${fn}`)}:log-stream:2026/03/17/[$LATEST]0123`;
    add(who, role(fn), DOCS.lambdaLogs, 'logs:CreateLogStream', logs);
    add(who, role(fn), DOCS.lambdaLogs, 'logs:PutLogEvents', logs);
    add(who, 'lambda.amazonaws.com', DOCS.lambdaRole, 'sts:AssumeRole', role(fn));
  }

  const analyst = analystRole(account);
  for (const action of [
    'athena:StartQueryExecution',
    'athena:StopQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    'athena:GetQueryResultsStream',
    'athena:GetQueryRuntimeStatistics',
    'athena:ListQueryExecutions',
    'athena:BatchGetQueryExecution',
    'athena:GetWorkGroup',
    'athena:GetNamedQuery',
    'athena:ListNamedQueries',
    'athena:BatchGetNamedQuery',
  ]) {
    add('analyst', analyst, DOCS.athenaWorkgroup, action, workgroup);
  }
  for (const action of ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:ListDatabases', 'athena:GetTableMetadata', 'athena:ListTableMetadata'])
    add('analyst', analyst, DOCS.athenaCatalog, action, dataCatalog);
  for (const action of ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition']) {
    add('analyst', analyst, DOCS.athenaGlue, action, action === 'glue:GetDatabase' ? glue(`database/${database}`) : glue(`table/${database}/${LAKE_EVENTS.name}`));
  }
  for (const prefix of ICEBERG_TABLES.map((t) => t.prefix)) {
    const object = `${lake}/${prefix}data/part-0001.parquet`;
    add('analyst', analyst, DOCS.athenaS3, 's3:ListBucket', lake, { ...tls, 's3:prefix': `${prefix}data/` });
    add('analyst', analyst, DOCS.athenaS3, 's3:GetObject', object, tls);
    add('analyst', analyst, DOCS.athenaKms, 'kms:Decrypt', key, throughS3(object));
  }
  add('analyst', analyst, DOCS.athenaS3, 's3:GetBucketLocation', lake, tls);
  add('analyst', analyst, DOCS.athenaS3, 's3:GetBucketLocation', results, tls);
  const result = `${results}/workgroup/0f8a-query.csv`;
  add('analyst', analyst, DOCS.athenaS3, 's3:ListBucket', results, { ...tls, 's3:prefix': 'workgroup/' });
  add('analyst', analyst, DOCS.athenaS3, 's3:ListBucketMultipartUploads', results, tls);
  for (const action of ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']) add('analyst', analyst, DOCS.athenaS3, action, result, tls);
  add('analyst', analyst, DOCS.athenaKms, 'kms:GenerateDataKey', key, throughS3(result));

  for (const p of config.access.producers) {
    const who = `producer account ${p.account}`;
    const { principal, identity } = outsider(p.account, 'producer-app');
    for (const action of ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'])
      add(who, principal, DOCS.kinesisShare, action, stream('ingest'), undefined, identity);
    add(who, principal, DOCS.kinesisKms, 'kms:GenerateDataKey', key, throughKinesis('ingest'), identity);
    if (p.role) {
      const assumed = role(n('access', p.role));
      add(who, principal, DOCS.kinesisShare, 'sts:AssumeRole', assumed, undefined, identity);
      for (const action of ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'])
        add(`${who} through its role`, assumed, DOCS.kinesisShare, action, stream('ingest'));
      add(`${who} through its role`, assumed, DOCS.kinesisKms, 'kms:GenerateDataKey', key, throughKinesis('ingest'));
    }
  }
  for (const c of config.access.consumers) {
    const who = `consumer account ${c.account}`;
    const { principal, identity } = outsider(c.account, 'consumer-app');
    const consumers = c.consumers.map((name) => `${stream('processed')}/consumer/${c.account}-${name}:${CONSUMER_CREATED}`);
    for (const action of ['kinesis:DescribeStreamSummary', 'kinesis:ListShards']) add(who, principal, DOCS.kinesisShare, action, stream('processed'), undefined, identity);
    for (const consumer of consumers) {
      for (const action of ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']) add(who, principal, DOCS.kinesisEfo, action, consumer, undefined, identity);
    }
    add(who, principal, DOCS.kinesisKms, 'kms:Decrypt', key, throughKinesis('processed'), identity);
    if (c.role) {
      const assumed = role(n('access', c.role));
      add(who, principal, DOCS.kinesisShare, 'sts:AssumeRole', assumed, undefined, identity);
      for (const action of ['kinesis:DescribeStreamSummary', 'kinesis:ListShards']) add(`${who} through its role`, assumed, DOCS.kinesisShare, action, stream('processed'));
      for (const consumer of consumers) {
        for (const action of ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']) add(`${who} through its role`, assumed, DOCS.kinesisEfo, action, consumer);
      }
      add(`${who} through its role`, assumed, DOCS.kinesisKms, 'kms:Decrypt', key, throughKinesis('processed'));
    }
  }

  const deny: AccessPath[] = [];
  const refuse = (who: string, principal: string, doc: string, action: string, resource: string, context?: Record<string, string | string[]>, identity?: readonly PolicyDocument[]) =>
    deny.push({ who, principal, action, resource, doc, ...(context ? { context } : {}), ...(identity ? { identity } : {}) });
  const producers = new Set(config.access.producers.map((p) => p.account));
  const consumerAccounts = new Set(config.access.consumers.map((c) => c.account));
  const why = 'config gives this account no such access';
  for (const other of ['333333333333', '444444444444', '555555555555']) {
    const { principal, identity } = outsider(other, 'app');
    const who = `account ${other}`;
    if (!producers.has(other)) {
      refuse(who, principal, why, 'kinesis:PutRecords', stream('ingest'), undefined, identity);
      refuse(who, principal, why, 'kms:GenerateDataKey', key, throughKinesis('ingest'), identity);
    }
    if (!consumerAccounts.has(other)) {
      refuse(who, principal, why, 'kinesis:DescribeStreamSummary', stream('processed'), undefined, identity);
      refuse(who, principal, why, 'kinesis:SubscribeToShard', `${stream('processed')}/consumer/${other}-app:${CONSUMER_CREATED}`, undefined, identity);
      refuse(who, principal, why, 'kms:Decrypt', key, throughKinesis('processed'), identity);
    }
    // Nobody outside reads the events before processing, the lake or the key beyond their stream.
    refuse(who, principal, 'only the stack reads events', 'kinesis:GetRecords', stream('events'), undefined, identity);
    refuse(who, principal, 'the producer grant is for ingest only', 'kms:GenerateDataKey', key, throughKinesis('events'), identity);
    refuse(who, principal, 'the consumer grant is for processed only', 'kms:Decrypt', key, throughKinesis('aggregates'), identity);
    refuse(who, principal, 'consumers read processed through consumers, not shared throughput', 'kinesis:GetRecords', stream('processed'), undefined, identity);
    refuse(who, principal, 'the key is used through Kinesis only', 'kms:Decrypt', key, undefined, identity);
    refuse(who, principal, 'the lake is not shared', 's3:GetObject', `${lake}/${LAKE_EVENTS.prefix}data/part-0001.parquet`, tls, identity);
    refuse(who, principal, 'only the landing bucket notifies', 'sns:Publish', `arn:aws:sns:${region}:${account}:${n('landing', config.ingestion.sources[0]?.name ?? 'x')}`, undefined, identity);
    refuse(who, principal, 'platform roles trust their services only', 'sts:AssumeRole', role(n('dedup-filter', 'flink')), undefined, identity);
  }
  for (const p of config.access.producers) {
    const { principal, identity } = outsider(p.account, 'producer-app');
    refuse(`producer account ${p.account}`, principal, 'a producer does not read processed', 'kinesis:GetRecords', stream('processed'), undefined, identity);
    if (!consumerAccounts.has(p.account)) refuse(`producer account ${p.account}`, principal, 'a producer does not decrypt processed', 'kms:Decrypt', key, throughKinesis('processed'), identity);
  }
  for (const c of config.access.consumers) {
    const { principal, identity } = outsider(c.account, 'consumer-app');
    if (!producers.has(c.account)) {
      refuse(`consumer account ${c.account}`, principal, 'a consumer does not put on ingest', 'kinesis:PutRecords', stream('ingest'), undefined, identity);
      refuse(`consumer account ${c.account}`, principal, 'a consumer does not put on ingest', 'kms:GenerateDataKey', key, throughKinesis('ingest'), identity);
    }
    const other = config.access.consumers.find((o) => o.account !== c.account);
    if (other) {
      refuse(
        `consumer account ${c.account}`,
        principal,
        "another account's consumer",
        'kinesis:SubscribeToShard',
        `${stream('processed')}/consumer/${other.account}-${other.consumers[0]}:${CONSUMER_CREATED}`,
        undefined,
        identity,
      );
    }
  }
  for (const zone of [RAW_EVENTS.prefix, 'errors/']) {
    const object = `${lake}/${zone}dt=2026-03-17/part-0001`;
    refuse('analyst', analyst, 'raw and error zones hold input as it arrived', 's3:GetObject', object, tls);
    refuse('analyst', analyst, 'raw and error zones hold input as it arrived', 's3:ListBucket', lake, { ...tls, 's3:prefix': zone });
  }
  refuse('analyst', analyst, 'the analysts query in their own workgroup', 'athena:StartQueryExecution', `arn:aws:athena:${region}:${account}:workgroup/primary`);
  refuse('analyst', analyst, 'the analysts write results only', 's3:PutObject', `${lake}/${LAKE_EVENTS.prefix}data/forged.parquet`, tls);
  refuse('analyst', analyst, 'the key is used through S3 only', 'kms:Decrypt', key, { 'kms:ViaService': via('kinesis'), 'kms:EncryptionContext:aws:kinesis:arn': stream('events') });
  refuse('stream-validate', role(validate), 'a validator does not write processed', 'kinesis:PutRecords', stream('processed'));
  refuse('stream-validate', role(validate), 'a function writes its own error prefix only', 's3:PutObject', `${lake}/${errorZonePrefix(config.ingestion.sources[0]?.name ?? 'x')}forged.jsonl`, tls);
  refuse('Flink application dedup-filter', role(n('dedup-filter', 'flink')), 'a job writes its own sink only', 'kinesis:PutRecords', stream('aggregates'));
  refuse('anyone in the account over plain HTTP', role(n('delivery', 'archive')), DOCS.tls, 's3:PutObject', `${lake}/${RAW_EVENTS.prefix}2026/part-0001`, { 'aws:SecureTransport': 'false' });
  refuse('S3 of another account', 's3.amazonaws.com', DOCS.s3ToSns, 'sns:Publish', `arn:aws:sns:${region}:${account}:${n('landing', config.ingestion.sources[0]?.name ?? 'x')}`, {
    'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket',
    'aws:SourceAccount': '555555555555',
  });
  refuse('CloudWatch alarms of another account', 'cloudwatch.amazonaws.com', DOCS.trust, 'sns:Publish', alarmTopic, {
    'aws:SourceAccount': '555555555555',
    'aws:SourceArn': `arn:aws:cloudwatch:${region}:555555555555:alarm:x`,
  });
  refuse('Managed Flink for another account', 'kinesisanalytics.amazonaws.com', DOCS.trust, 'sts:AssumeRole', role(n('dedup-filter', 'flink')), {
    'aws:SourceAccount': '555555555555',
    'aws:SourceArn': `arn:aws:kinesisanalytics:${region}:555555555555:application/${n('dedup-filter')}`,
  });
  return { allow, deny };
}
