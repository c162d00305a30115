import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { DescribeApplicationCommand, KinesisAnalyticsV2Client, ListApplicationSnapshotsCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { alarmSpecs } from '../../core/monitoring/alarms';
import { monitoredStack } from '../../core/monitoring/inventory';
import { connectStack } from '../../ops/connect';
import { collectStatus, StatusUnreachable, type StatusClients } from '../../ops/status';
import { loadStackConfig } from '../../stacks/load';
import { motoClientConfig, useMoto } from '../support/moto';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');
const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
const ACCOUNT = { id: '123456789012', region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::123456789012:role/sluice-deploy' };
const config = loadStackConfig('dev', { account: ACCOUNT, ingestion: { sources: [{ name: 'partner-files', prefix: 'partner-files/' }] } });

/** A client whose every response is a recorded body, deserialized by the SDK as if AWS had sent it. */
function recorded(file: string, rename?: (body: string) => string, statusCode = 200) {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const body = rename ? rename(text) : text;
  return new KinesisAnalyticsV2Client({
    region: ACCOUNT.region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    requestHandler: { handle: async () => ({ response: { statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(body)]) } }) } as any,
  });
}

/** DescribeApplication of `name` as AWS answers it for an application in `status`. */
const describeAs = (status: string) => (name: string) =>
  recorded('kinesisanalyticsv2-describe-application-running.json', (b) => b.replace(/sluice-dev-dedup-filter/g, name).replace('"ApplicationStatus": "RUNNING"', `"ApplicationStatus": "${status}"`));
const notFound = () => recorded('kinesisanalyticsv2-describe-application-not-found.json', undefined, 400);

describe('sluice status against moto server (Glue, Athena, CloudWatch, STS; Kinesis Analytics v2 from recorded responses)', function () {
  this.timeout(120000);
  const moto = useMoto();
  let clients: StatusClients;
  const snapshots = recorded('kinesisanalyticsv2-list-application-snapshots.json');

  /** Kinesis Analytics through `describe` for DescribeApplication and the recorded snapshots for ListApplicationSnapshots. */
  const flinkClient = (describe: (name: string) => KinesisAnalyticsV2Client) => ({
    send: (command: any) => (command instanceof ListApplicationSnapshotsCommand ? snapshots.send(command) : describe((command as DescribeApplicationCommand).input.ApplicationName!).send(command)),
  });

  async function deploy(opts: { tables: string[] }) {
    const settings = motoClientConfig(moto().endpoint);
    const glue = new GlueClient(settings);
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'sluice_dev' } }));
    for (const name of opts.tables) {
      await glue.send(
        new CreateTableCommand({
          DatabaseName: 'sluice_dev',
          TableInput: {
            Name: name,
            TableType: 'EXTERNAL_TABLE',
            Parameters: { table_type: 'ICEBERG', metadata_location: `s3://sluice-dev-123456789012-lake/curated/${name}/metadata/00001.metadata.json` },
          },
        }),
      );
    }
    await new AthenaClient(settings).send(
      new CreateWorkGroupCommand({ Name: 'sluice-dev-analysts', Configuration: { BytesScannedCutoffPerQuery: config.analytics.bytesScannedCutoffPerQuery, EnforceWorkGroupConfiguration: true } }),
    );
    const cloudwatch = new CloudWatchClient(settings);
    for (const spec of alarmSpecs(monitoredStack(config), config.alerts)) {
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: spec.name,
          AlarmDescription: spec.description,
          Namespace: spec.metric?.namespace ?? 'AWS/Kinesis',
          MetricName: spec.metric?.metricName ?? 'IncomingRecords',
          Statistic: spec.metric?.statistic ?? 'Sum',
          Period: spec.metric?.period ?? 300,
          EvaluationPeriods: spec.evaluationPeriods,
          Threshold: spec.threshold,
          ComparisonOperator: spec.comparisonOperator,
        }),
      );
    }
    clients = { kinesisAnalytics: flinkClient(describeAs('RUNNING')), glue, athena: new AthenaClient(settings), cloudwatch };
    return cloudwatch;
  }

  beforeEach(async () => moto().reset());

  it('reports a healthy stack: both applications RUNNING with their latest snapshot, fresh tables, the workgroup, every alarm OK', async () => {
    await deploy({ tables: ['events', 'aggregates'] });
    const status = await collectStatus(config, clients);
    expect(status.verdict).to.equal('healthy');
    expect(status.problems).to.deep.equal([]);
    expect(status.flink).to.deep.equal(
      ['dedup-filter', 'aggregate'].map((job) => ({
        job,
        name: `sluice-dev-${job}`,
        status: 'RUNNING',
        runtime: 'FLINK-2_2',
        parallelism: 2,
        currentParallelism: 2,
        parallelismPerKpu: 1,
        autoScaling: false,
        kpus: 3,
        latestSnapshot: { name: 'sluice-2026-03-17-1000', status: 'READY', createdAt: '2026-03-17T10:00:00.000Z' },
      })),
    );
    expect(status.tables.map((t) => [t.name, t.problem, t.metadataLocation])).to.deep.equal([
      ['events', undefined, 's3://sluice-dev-123456789012-lake/curated/events/metadata/00001.metadata.json'],
      ['aggregates', undefined, 's3://sluice-dev-123456789012-lake/curated/aggregates/metadata/00001.metadata.json'],
    ]);
    expect(status.tables[0]!.ageSeconds).to.be.within(0, 60);
    expect(status.workgroup).to.deep.equal({ name: 'sluice-dev-analysts', state: 'ENABLED', bytesScannedCutoffPerQuery: 10737418240 });
    const expected = alarmSpecs(monitoredStack(config), config.alerts).length;
    expect(status.alarms).to.have.length(expected);
    expect(status.alarms.every((a) => a.state === 'OK')).to.equal(true);
    expect(status.summary).to.equal(`dev: healthy (2/2 Flink applications running, 2/2 tables fresh, workgroup ENABLED, 0/${expected} alarms in ALARM)`);
  });

  it('reports a degraded stack: an application not running, a missing table, an alarm firing', async () => {
    const cloudwatch = await deploy({ tables: ['events'] });
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'sluice-dev-no-data',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 3 datapoints [0.0, 0.0, 0.0] were less than or equal to the threshold (0.0).',
      }),
    );
    // A stopped application is READY.
    const status = await collectStatus(config, { ...clients, kinesisAnalytics: flinkClient(describeAs('READY')) });
    expect(status.verdict).to.equal('degraded');
    expect(status.problems).to.deep.equal([
      'Flink application sluice-dev-dedup-filter is READY, not RUNNING',
      'Flink application sluice-dev-aggregate is READY, not RUNNING',
      'table sluice_dev.aggregates does not exist in the Glue catalog',
      'alarm sluice-dev-no-data is in ALARM',
    ]);
    expect(status.alarms.find((a) => a.name === 'sluice-dev-no-data')).to.deep.include({
      state: 'ALARM',
      reason: 'Threshold Crossed: 3 datapoints [0.0, 0.0, 0.0] were less than or equal to the threshold (0.0).',
    });
    expect(status.summary).to.match(
      /^dev: degraded: Flink application sluice-dev-dedup-filter is READY, not RUNNING \(and 3 more\) \(0\/2 Flink applications running, 1\/2 tables fresh, workgroup ENABLED, 1\/\d+ alarms in ALARM\)$/,
    );
  });

  it('says a stack is not deployed when none of its resources exist', async () => {
    const settings = motoClientConfig(moto().endpoint);
    const empty: StatusClients = { kinesisAnalytics: flinkClient(notFound), glue: new GlueClient(settings), athena: new AthenaClient(settings), cloudwatch: new CloudWatchClient(settings) };
    let error: unknown;
    await collectStatus(config, empty).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StatusUnreachable);
    expect((error as Error).message).to.equal(
      'stack dev is not deployed in account 123456789012 (eu-west-1): no Flink applications, lake tables, workgroup or alarms named for it; deploy it with make deploy STACK=dev, or check --stack and sluice:account.region',
    );
  });

  it('assumes the deploy role and checks the account before reading anything', async () => {
    const { roleArn, callerArn } = await connectStack(config, motoClientConfig(moto().endpoint));
    expect(roleArn).to.equal('arn:aws:iam::123456789012:role/sluice-deploy');
    expect(callerArn).to.match(/^arn:aws:(iam|sts)::123456789012:/);
    const readOnly = loadStackConfig('dev', { account: { ...ACCOUNT, readOnlyRoleArn: 'arn:aws:iam::123456789012:role/sluice-read-only' } });
    expect((await connectStack(readOnly, motoClientConfig(moto().endpoint))).roleArn).to.equal('arn:aws:iam::123456789012:role/sluice-read-only');
  });

  it('exits 1 from the command line when AWS does not answer, in text and as JSON', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [SLUICE, 'status', '--stack', 'dev', ...args], {
        // Nothing listens on port 1: every call is refused.
        env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' },
        encoding: 'utf8',
      });
    const text = run();
    expect(text.status).to.equal(1);
    expect(text.stderr).to.match(/sluice status: cannot reach AWS STS in eu-west-1 \(.*\); check the network and sluice:account.region/);
    const json = run('--json');
    expect(json.status).to.equal(1);
    expect(JSON.parse(json.stdout)).to.deep.include({ stack: 'dev', verdict: 'unreachable' });
  });

  it('refuses credentials that act in another account', async () => {
    // STS answers as AWS does (query protocol, XML) for a caller and a role session in account 999999999999.
    const xml = (action: string, result: string) =>
      `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;
    const handler = {
      handle: async (request: { body?: string }) => {
        const body = String(request.body ?? '');
        const payload = body.includes('Action=AssumeRole')
          ? xml(
              'AssumeRole',
              '<Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-03-17T12:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::999999999999:assumed-role/sluice-deploy/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>',
            )
          : xml('GetCallerIdentity', '<Arn>arn:aws:iam::999999999999:user/dev</Arn><UserId>AIDA</UserId><Account>999999999999</Account>');
        return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(payload)]) } };
      },
    };
    let error: unknown;
    await connectStack(config, { requestHandler: handler, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StatusUnreachable);
    expect((error as Error).message).to.equal('the credentials act in account 999999999999, but stack dev lives in 123456789012; use credentials of account 123456789012 or correct sluice:account.id');
  });

  it('exits 1 naming the credentials when there are none', () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
    const r = spawnSync(process.execPath, [SLUICE, 'status', '--stack', 'dev'], { env, encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('sluice status: no usable AWS credentials (CredentialsProviderError');
  });
});
