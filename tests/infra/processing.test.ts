import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flinkCodeArtifact, runtimeProperties } from '../../infra/processing';
import { loadStackConfig } from '../../stacks/load';
import { MockRun, REPO_ROOT, RecordedResource, runStackProgram } from '../support/pulumi';

const APP = 'aws:kinesisanalyticsv2/application:Application';
const SQL_DIR = join(REPO_ROOT, 'sql', 'flink');
const JOBS = ['dedup-filter', 'aggregate'] as const;

function streamArn(account: string, stream: string): string {
  return `arn:aws:kinesis:eu-west-1:${account}:stream/sluice-${account === '111111111111' ? 'dev' : 'prod'}-${stream}`;
}

/** The ${name} placeholders of a job's cloud SQL: the parameters the runner will ask for. */
function cloudPlaceholders(job: string): string[] {
  const sql = ['tables.cloud.sql', 'job.sql']
    .map((f) => readFileSync(join(SQL_DIR, job, f), 'utf8'))
    .join('\n')
    .replace(/--[^\n]*/g, '');
  return [...new Set([...sql.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))].sort();
}

describe('infra: Flink processing under mocks', function () {
  const runs: Record<string, MockRun> = {};
  const code = flinkCodeArtifact(join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar'), SQL_DIR);
  before(async () => {
    runs.dev = await runStackProgram('dev');
    runs.prod = await runStackProgram('prod');
  });

  const app = (stack: string, job: string): RecordedResource => runs[stack].one(APP, `-processing-${job}-app`);

  for (const [stack, account] of [['dev', '111111111111'], ['prod', '222222222222']] as const) {
    describe(`${stack} stack`, () => {
      const lakeArn = `arn:aws:s3:::sluice-${stack}-${account}-lake`;
      const keyArn = `arn:aws:kms:eu-west-1:${account}:key/sluice-${stack}-kms-key`;

      it('creates one started FLINK-2_2 application per job', () => {
        expect(runs[stack].ofType(APP).map((a) => a.inputs.name).sort()).to.deep.equal([`sluice-${stack}-aggregate`, `sluice-${stack}-dedup-filter`]);
        for (const job of JOBS) {
          expect(app(stack, job).inputs).to.include({ runtimeEnvironment: 'FLINK-2_2', startApplication: true });
        }
      });

      it('runs the code from one content-addressed object in the lake bucket', () => {
        expect(code.key).to.match(/^artifacts\/flink\/sluice-flink-runner-[0-9a-f]{16}\.jar$/);
        const object = runs[stack].one('aws:s3/bucketObjectv2:BucketObjectv2', '-processing-code');
        expect(object.inputs).to.include({ bucket: `sluice-${stack}-${account}-lake`, key: code.key, serverSideEncryption: 'aws:kms', kmsKeyId: keyArn });
        expect(object.inputs.tags.sha256).to.equal(code.sha256);
        for (const job of JOBS) {
          expect(app(stack, job).inputs.applicationConfiguration.applicationCodeConfiguration).to.deep.equal({
            codeContentType: 'ZIPFILE',
            codeContent: { s3ContentLocation: { bucketArn: lakeArn, fileKey: code.key } },
          });
        }
      });

      it('passes exactly the parameters the job SQL declares, from stack config', () => {
        for (const job of JOBS) {
          const groups = app(stack, job).inputs.applicationConfiguration.environmentProperties.propertyGroups;
          expect(groups).to.have.length(1);
          expect(groups[0].propertyGroupId).to.equal('sluice');
          const { job: name, ...params } = groups[0].propertyMap;
          expect(name).to.equal(job);
          expect(Object.keys(params).sort()).to.deep.equal(cloudPlaceholders(job));
        }
      });

      it('encrypts each application log group with the stack key and logs to it', () => {
        for (const job of JOBS) {
          const group = runs[stack].one('aws:cloudwatch/logGroup:LogGroup', `-processing-${job}-logs`);
          expect(group.inputs).to.include({ name: `/aws/kinesis-analytics/sluice-${stack}-${job}`, kmsKeyId: keyArn, retentionInDays: stack === 'dev' ? 14 : 90 });
          const groupArn = `arn:aws:logs:eu-west-1:${account}:log-group:/aws/kinesis-analytics/sluice-${stack}-${job}`;
          expect(app(stack, job).inputs.cloudwatchLoggingOptions.logStreamArn).to.equal(`${groupArn}:log-stream:application`);
        }
      });

      it("scopes each role to its job's streams, the key, the code object and its own log group", () => {
        const expected = {
          'dedup-filter': { source: streamArn(account, 'events'), sink: streamArn(account, 'processed') },
          aggregate: { source: streamArn(account, 'processed'), sink: streamArn(account, 'aggregates') },
        };
        for (const job of JOBS) {
          const policy = JSON.parse(runs[stack].one('aws:iam/rolePolicy:RolePolicy', `-processing-${job}-policy`).inputs.policy);
          const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
          expect(bySid.ReadSourceStream.Resource).to.deep.equal([expected[job].source]);
          expect(bySid.ReadSourceStream.Action).to.not.include('kinesis:PutRecords');
          expect(bySid.WriteSinkStream.Resource).to.deep.equal([expected[job].sink]);
          expect(bySid.StreamEncryption.Resource).to.deep.equal([keyArn]);
          expect(bySid.ReadCode.Resource).to.deep.equal([`${lakeArn}/${code.key}`]);
          expect(bySid.WriteOwnLogs.Resource).to.deep.equal([`arn:aws:logs:eu-west-1:${account}:log-group:/aws/kinesis-analytics/sluice-${stack}-${job}:log-stream:*`]);
          // DescribeLogGroups takes no resource ARN; everything else names its resources.
          expect(bySid.FindLogGroups).to.deep.include({ Action: ['logs:DescribeLogGroups'], Resource: ['*'] });
          for (const statement of policy.Statement.filter((s: any) => s.Sid !== 'FindLogGroups')) {
            for (const resource of statement.Resource) expect(resource, statement.Sid).to.not.include('*:*');
            expect(statement.Resource, statement.Sid).to.not.include('*');
          }
          const trust = JSON.parse(runs[stack].one('aws:iam/role:Role', `-processing-${job}-role`).inputs.assumeRolePolicy);
          expect(trust.Statement).to.deep.equal([
            {
              Effect: 'Allow',
              Principal: { Service: 'kinesisanalytics.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:SourceAccount': account },
                ArnEquals: { 'aws:SourceArn': `arn:aws:kinesisanalytics:eu-west-1:${account}:application/sluice-${stack}-${job}` },
              },
            },
          ]);
        }
      });

      it('checkpoints, snapshots and restores from the latest snapshot', () => {
        for (const job of JOBS) {
          const c = app(stack, job).inputs.applicationConfiguration;
          expect(c.applicationSnapshotConfiguration).to.deep.equal({ snapshotsEnabled: true });
          expect(c.runConfiguration).to.deep.equal({
            applicationRestoreConfiguration: { applicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
            flinkRunConfiguration: { allowNonRestoredState: false },
          });
          expect(c.flinkApplicationConfiguration.checkpointConfiguration).to.deep.equal({
            configurationType: 'CUSTOM', checkpointingEnabled: true, checkpointInterval: 60000, minPauseBetweenCheckpoints: 5000,
          });
        }
      });
    });
  }

  it('takes parallelism and autoscaling per application from config', () => {
    const parallelism = (stack: string, job: string) => app(stack, job).inputs.applicationConfiguration.flinkApplicationConfiguration.parallelismConfiguration;
    expect(parallelism('dev', 'dedup-filter')).to.deep.equal({ configurationType: 'CUSTOM', parallelism: 1, parallelismPerKpu: 1, autoScalingEnabled: false });
    expect(parallelism('prod', 'dedup-filter')).to.deep.equal({ configurationType: 'CUSTOM', parallelism: 4, parallelismPerKpu: 1, autoScalingEnabled: true });
    expect(parallelism('prod', 'aggregate')).to.deep.equal({ configurationType: 'CUSTOM', parallelism: 2, parallelismPerKpu: 2, autoScalingEnabled: true });
  });

  it('puts the dev stack settings into the runtime properties', () => {
    const props = (job: string) => app('dev', job).inputs.applicationConfiguration.environmentProperties.propertyGroups[0].propertyMap;
    expect(props('dedup-filter')).to.deep.equal({
      job: 'dedup-filter',
      region: 'eu-west-1',
      start_position: 'TRIM_HORIZON',
      events_stream_arn: streamArn('111111111111', 'events'),
      processed_stream_arn: streamArn('111111111111', 'processed'),
      dedup_ttl_seconds: '86400',
      exclude_event_types: 'debug',
      exclude_event_names: 'lesson:heartbeat',
      max_future_skew_seconds: '300',
    });
    expect(props('aggregate')).to.deep.equal({
      job: 'aggregate',
      region: 'eu-west-1',
      start_position: 'TRIM_HORIZON',
      processed_stream_arn: streamArn('111111111111', 'processed'),
      aggregates_stream_arn: streamArn('111111111111', 'aggregates'),
      window_seconds: '60',
      allowed_lateness_seconds: '30',
    });
  });

  it('starts without state, from where config says, when restoring is switched off', async () => {
    const run = await runStackProgram('dev', (c) => {
      c['sluice:processing'].aggregate = { restoreFromSnapshot: false, startPosition: 'LATEST' };
    });
    const c = run.one(APP, '-processing-aggregate-app').inputs.applicationConfiguration;
    expect(c.runConfiguration.applicationRestoreConfiguration).to.deep.equal({ applicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' });
    expect(c.environmentProperties.propertyGroups[0].propertyMap.start_position).to.equal('LATEST');
    const dedup = run.one(APP, '-processing-dedup-filter-app').inputs.applicationConfiguration;
    expect(dedup.runConfiguration.applicationRestoreConfiguration).to.deep.equal({ applicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' });
  });
});

describe('flinkCodeArtifact', () => {
  function workspace() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-code-'));
    mkdirSync(join(dir, 'sql', 'aggregate'), { recursive: true });
    writeFileSync(join(dir, 'runner.jar'), 'jar v1');
    writeFileSync(join(dir, 'sql', 'aggregate', 'job.sql'), 'INSERT INTO a SELECT 1;');
    return dir;
  }

  it('gives the same key for the same jar and SQL', () => {
    const dir = workspace();
    expect(flinkCodeArtifact(join(dir, 'runner.jar'), join(dir, 'sql')).key).to.equal(flinkCodeArtifact(join(dir, 'runner.jar'), join(dir, 'sql')).key);
  });

  it('gives a new key for a new jar or new SQL', () => {
    const dir = workspace();
    const first = flinkCodeArtifact(join(dir, 'runner.jar'), join(dir, 'sql')).key;
    writeFileSync(join(dir, 'runner.jar'), 'jar v2');
    const newJar = flinkCodeArtifact(join(dir, 'runner.jar'), join(dir, 'sql')).key;
    writeFileSync(join(dir, 'sql', 'aggregate', 'job.sql'), 'INSERT INTO a SELECT 2;');
    const newSql = flinkCodeArtifact(join(dir, 'runner.jar'), join(dir, 'sql')).key;
    expect(new Set([first, newJar, newSql]).size).to.equal(3);
  });

  it('says how to build the jar when it is missing', () => {
    expect(() => flinkCodeArtifact('/nonexistent/runner.jar', SQL_DIR)).to.throw(
      'the Flink runner jar /nonexistent/runner.jar does not exist; build it with `make flink-jar-cloud` before `pulumi up`',
    );
  });
});

describe('runtimeProperties', () => {
  it('joins exclude lists with commas and converts the TTL to seconds', () => {
    const config = loadStackConfig('test', {
      account: { id: '111111111111', region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::111111111111:role/sluice-deploy' },
      processing: { dedupTtlHours: 2, excludeEventTypes: ['debug', 'internal'], excludeEventNames: [] },
    });
    const props = runtimeProperties('dedup-filter', config, { events: 'e', processed: 'p', aggregates: 'a' });
    expect(props).to.include({ dedup_ttl_seconds: '7200', exclude_event_types: 'debug,internal', exclude_event_names: '' });
  });
});
