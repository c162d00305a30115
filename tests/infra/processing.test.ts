import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flinkCodeArtifact, runtimeProperties } from '../../infra/processing';
import { loadStackConfig } from '../../stacks/load';
import { MockRun, REPO_ROOT, RecordedResource, runStackProgram } from '../support/pulumi';
import { type DocumentRequest, allows, deniedPaths, pathsNeedingEachAction } from '../support/iam';

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

/** Everything a running job does with its role: the Kinesis source and sink, its code, its logs, and its Iceberg table. */
function jobPaths(stack: string, account: string, job: 'dedup-filter' | 'aggregate', codeKey: string): DocumentRequest[] {
  const [source, sink, table] = job === 'dedup-filter' ? ['events', 'processed', 'events'] : ['processed', 'aggregates', 'aggregates'];
  const key = `arn:aws:kms:eu-west-1:${account}:key/sluice-${stack}-kms-key`;
  const lake = `arn:aws:s3:::sluice-${stack}-${account}-lake`;
  const glue = (suffix: string) => `arn:aws:glue:eu-west-1:${account}:${suffix}`;
  const logStream = `arn:aws:logs:eu-west-1:${account}:log-group:/aws/kinesis-analytics/sluice-${stack}-${job}:log-stream:application`;
  const object = (k: string) => `${lake}/curated/${table}/${k}`;
  const paths: DocumentRequest[] = [
    ...['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'].map((action) => ({
      why: 'the Kinesis source reads its stream',
      action,
      resource: streamArn(account, source),
    })),
    ...['kinesis:PutRecords'].map((action) => ({
      why: 'the Kinesis sink writes its stream',
      action,
      resource: streamArn(account, sink),
    })),
    { why: 'reading the encrypted source stream', action: 'kms:Decrypt', resource: key, context: { 'kms:ViaService': 'kinesis.eu-west-1.amazonaws.com' } },
    { why: 'writing the encrypted sink stream', action: 'kms:GenerateDataKey', resource: key, context: { 'kms:ViaService': 'kinesis.eu-west-1.amazonaws.com' } },
    { why: 'writing SSE-KMS lake files', action: 'kms:GenerateDataKey', resource: key, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    { why: 'reading SSE-KMS table metadata', action: 'kms:Decrypt', resource: key, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    { why: 'Managed Flink fetches the code', action: 's3:GetObject', resource: `${lake}/${codeKey}` },
    { why: 'Managed Flink fetches a code version', action: 's3:GetObjectVersion', resource: `${lake}/${codeKey}` },
    { why: 'the application finds its log group', action: 'logs:DescribeLogGroups', resource: '*' },
    { why: 'the application finds its log stream', action: 'logs:DescribeLogStreams', resource: logStream },
    { why: 'the application logs', action: 'logs:PutLogEvents', resource: logStream },
    { why: 'FlinkCatalog.getDatabase (USE, default database): GlueCatalog.loadNamespaceMetadata', action: 'glue:GetDatabase', resource: glue('catalog') },
    { why: 'FlinkCatalog.getDatabase (USE, default database): GlueCatalog.loadNamespaceMetadata', action: 'glue:GetDatabase', resource: glue(`database/sluice_${stack}`) },
    { why: 'S3FileIO reads the current metadata file', action: 's3:GetObject', resource: object('metadata/00041-a.metadata.json') },
    { why: 'S3FileIO reads a manifest list', action: 's3:GetObject', resource: object('metadata/snap-1-1-a.avro') },
    { why: 'the writer puts a data file', action: 's3:PutObject', resource: object('data/event_type=account/created_date=2026-03-17/00000-0-a.parquet') },
    { why: 'S3FileIO aborts a failed multipart upload of a data file', action: 's3:AbortMultipartUpload', resource: object('data/event_type=account/created_date=2026-03-17/00000-0-a.parquet') },
    { why: 'the committer writes manifests and the new metadata file', action: 's3:PutObject', resource: object('metadata/00042-b.metadata.json') },
    { why: 'the committer deletes its temporary manifests and metadata beyond previous-versions-max', action: 's3:DeleteObject', resource: object('metadata/00001-a.metadata.json') },
  ];
  for (const resource of [glue('catalog'), glue(`database/sluice_${stack}`), glue(`table/sluice_${stack}/${table}`)]) {
    paths.push(
      { why: 'GlueTableOperations.doRefresh loads the table', action: 'glue:GetTable', resource },
      { why: 'GlueTableOperations.doCommit swaps the metadata location', action: 'glue:UpdateTable', resource },
    );
  }
  return paths;
}

describe('infra: Flink processing under mocks', function () {
  const runs: Record<string, MockRun> = {};
  const code = flinkCodeArtifact(join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar'), SQL_DIR);
  before(async () => {
    runs.dev = await runStackProgram('dev');
    runs.prod = await runStackProgram('prod');
  });

  const app = (stack: string, job: string): RecordedResource => runs[stack].one(APP, `-processing-${job}-app`);

  for (const [stack, account] of [
    ['dev', '111111111111'],
    ['prod', '222222222222'],
  ] as const) {
    describe(`${stack} stack`, () => {
      const lakeArn = `arn:aws:s3:::sluice-${stack}-${account}-lake`;
      const keyArn = `arn:aws:kms:eu-west-1:${account}:key/sluice-${stack}-kms-key`;

      it('creates one started FLINK-2_2 application per job', () => {
        expect(
          runs[stack]
            .ofType(APP)
            .map((a) => a.inputs.name)
            .sort(),
        ).to.deep.equal([`sluice-${stack}-aggregate`, `sluice-${stack}-dedup-filter`]);
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

      it('grants each role exactly what its job does, its own Iceberg table included, every action needed', () => {
        for (const job of JOBS) {
          const policy = JSON.parse(runs[stack].one('aws:iam/rolePolicy:RolePolicy', `-processing-${job}-policy`).inputs.policy);
          const paths = jobPaths(stack, account, job, code.key);
          expect(deniedPaths(policy, paths), job).to.deep.equal([]);
          const unneeded = Object.entries(pathsNeedingEachAction(policy, paths)).filter(([, failing]) => failing.length === 0);
          expect(
            unneeded.map(([action]) => action),
            job,
          ).to.deep.equal([]);
        }
      });

      it("keeps each role off the other job's table, the other zones and table administration", () => {
        const glue = (suffix: string) => `arn:aws:glue:eu-west-1:${account}:${suffix}`;
        for (const [job, other] of [
          ['dedup-filter', 'aggregates'],
          ['aggregate', 'events'],
        ] as const) {
          const own = job === 'dedup-filter' ? 'events' : 'aggregates';
          const policy = JSON.parse(runs[stack].one('aws:iam/rolePolicy:RolePolicy', `-processing-${job}-policy`).inputs.policy);
          const outside: DocumentRequest[] = [
            { why: "the other job's table", action: 'glue:UpdateTable', resource: glue(`table/sluice_${stack}/${other}`) },
            { why: "the other job's table", action: 'glue:GetTable', resource: glue(`table/sluice_${stack}/${other}`) },
            { why: "the other job's files", action: 's3:PutObject', resource: `${lakeArn}/curated/${other}/data/a.parquet` },
            { why: "the other job's metadata", action: 's3:GetObject', resource: `${lakeArn}/curated/${other}/metadata/1.metadata.json` },
            { why: 'the raw zone', action: 's3:PutObject', resource: `${lakeArn}/raw/dt=2026-03-17/hour=10/a.json.gz` },
            { why: 'deleting committed data', action: 's3:DeleteObject', resource: `${lakeArn}/curated/${own}/data/a.parquet` },
            { why: 'creating tables', action: 'glue:CreateTable', resource: glue(`table/sluice_${stack}/${own}`) },
            { why: 'dropping its table', action: 'glue:DeleteTable', resource: glue(`table/sluice_${stack}/${own}`) },
            { why: 'another database', action: 'glue:GetDatabase', resource: glue('database/default') },
          ];
          expect(deniedPaths(policy, outside), job).to.have.length(outside.length);
        }
      });

      it('encrypts application state with the stack key, which Managed Flink may use for these applications only', () => {
        for (const job of JOBS) {
          expect(app(stack, job).inputs.applicationConfiguration.applicationEncryptionConfiguration).to.deep.equal({ keyType: 'CUSTOMER_MANAGED_KEY', keyId: keyArn });
        }
        const keyPolicy = JSON.parse(runs[stack].one('aws:kms/key:Key', '-kms-key').inputs.policy);
        const appArn = (job: string) => `arn:aws:kinesisanalytics:eu-west-1:${account}:application/sluice-${stack}-${job}`;
        const flink = { Service: 'kinesisanalytics.amazonaws.com' };
        const infrastructure = { Service: 'infrastructure.kinesisanalytics.amazonaws.com' };
        for (const job of JOBS) {
          const context = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': appArn(job), 'aws:SourceArn': appArn(job), 'aws:SourceAccount': account };
          const paths: DocumentRequest[] = [
            { why: 'validate the key', principal: flink, action: 'kms:DescribeKey', resource: keyArn, context },
            { why: 'validate the key for running state', principal: infrastructure, action: 'kms:DescribeKey', resource: keyArn, context },
            { why: 'encrypt a snapshot', principal: flink, action: 'kms:GenerateDataKey', resource: keyArn, context },
            { why: 'restore a snapshot', principal: flink, action: 'kms:Decrypt', resource: keyArn, context },
            { why: 'running state', principal: infrastructure, action: 'kms:GenerateDataKeyWithoutPlaintext', resource: keyArn, context },
            { why: 'running state', principal: infrastructure, action: 'kms:Decrypt', resource: keyArn, context },
            {
              why: 'a decrypt-only grant for the running application',
              principal: infrastructure,
              action: 'kms:CreateGrant',
              resource: keyArn,
              context: { ...context, 'kms:GrantConstraintType': 'EncryptionContextSubset', 'kms:GrantOperations': ['Decrypt'] },
            },
          ];
          expect(deniedPaths(keyPolicy, paths), job).to.deep.equal([]);
        }
        const foreign = `arn:aws:kinesisanalytics:eu-west-1:999999999999:application/other`;
        const otherContext = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': foreign, 'aws:SourceArn': foreign, 'aws:SourceAccount': '999999999999' };
        expect(allows(keyPolicy, { why: "another account's application", principal: flink, action: 'kms:Decrypt', resource: keyArn, context: otherContext })).to.equal(false);
        expect(allows(keyPolicy, { why: "another account's application", principal: flink, action: 'kms:GenerateDataKey', resource: keyArn, context: otherContext })).to.equal(false);
        const own = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': appArn('aggregate'), 'kms:GrantConstraintType': 'EncryptionContextSubset', 'kms:GrantOperations': ['Decrypt', 'Encrypt'] };
        expect(allows(keyPolicy, { why: 'a grant beyond Decrypt', principal: infrastructure, action: 'kms:CreateGrant', resource: keyArn, context: own })).to.equal(false);
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
            configurationType: 'CUSTOM',
            checkpointingEnabled: true,
            checkpointInterval: 5000,
            minPauseBetweenCheckpoints: 2500,
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
      lake_warehouse: 's3://sluice-dev-111111111111-lake/curated',
      glue_database: 'sluice_dev',
      kms_key_arn: 'arn:aws:kms:eu-west-1:111111111111:key/sluice-dev-kms-key',
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
      lake_warehouse: 's3://sluice-dev-111111111111-lake/curated',
      glue_database: 'sluice_dev',
      kms_key_arn: 'arn:aws:kms:eu-west-1:111111111111:key/sluice-dev-kms-key',
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
    const props = runtimeProperties('dedup-filter', config, { events: 'e', processed: 'p', aggregates: 'a' }, { bucket: 'lake-b', keyArn: 'k' });
    expect(props).to.include({ dedup_ttl_seconds: '7200', exclude_event_types: 'debug,internal', exclude_event_names: '' });
  });

  it("points the lake table at the Glue database, the lake bucket's curated/ prefix and the stack key", () => {
    const config = loadStackConfig('test', {
      account: { id: '111111111111', region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::111111111111:role/sluice-deploy' },
    });
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    for (const job of ['dedup-filter', 'aggregate'] as const) {
      expect(runtimeProperties(job, config, { events: 'e', processed: 'p', aggregates: 'a' }, { bucket: 'sluice-test-111111111111-lake', keyArn })).to.include({
        lake_warehouse: 's3://sluice-test-111111111111-lake/curated',
        glue_database: 'sluice_test',
        kms_key_arn: keyArn,
        region: 'eu-west-1',
      });
    }
  });
});
