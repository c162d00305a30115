import { expect } from 'chai';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunction } from '../../infra/bundle';
import { SCHEMA_REGISTRY } from '../../infra/ingestion';
import { awsArn, MockRun, REPO_ROOT, runStackProgram } from '../support/pulumi';

const ACCOUNTS = { dev: '111111111111', prod: '222222222222' } as const;
type Stack = keyof typeof ACCOUNTS;
const keyArn = (stack: Stack) => `arn:aws:kms:eu-west-1:${ACCOUNTS[stack]}:key/sluice-${stack}-kms-key`;
const bucketArn = (stack: Stack, purpose: string) => `arn:aws:s3:::sluice-${stack}-${ACCOUNTS[stack]}-${purpose}`;
const streamArn = (stack: Stack, name: string) => `arn:aws:kinesis:eu-west-1:${ACCOUNTS[stack]}:stream/sluice-${stack}-${name}`;
const AWS_TYPES: Record<string, string> = {
  'sns/topic': 'aws:sns/topic:Topic',
  'sqs/queue': 'aws:sqs/queue:Queue',
  'lambda/function': 'aws:lambda/function:Function',
  'cloudwatch/logGroup': 'aws:cloudwatch/logGroup:LogGroup',
};
const mockArn = (stack: Stack, service: string, name: string) => awsArn(AWS_TYPES[service] as string, name, ACCOUNTS[stack]) as string;
const SOURCES = [
  { name: 'partner-files', prefix: 'partner-files/', format: 'auto' },
  { name: 'backfill', prefix: 'backfill/', format: 'jsonl' },
];

const parse = (value: unknown) => JSON.parse(value as string);

describe('infra: ingestion under mocks', () => {
  const runs = {} as Record<Stack, MockRun>;
  before(async function () {
    this.timeout(120000);
    runs.dev = await runStackProgram('dev');
    runs.prod = await runStackProgram('prod');
  });

  for (const stack of ['dev', 'prod'] as const) {
    describe(`${stack} stack`, () => {
      const run = () => runs[stack];
      const fn = (suffix: string) => run().one('aws:lambda/function:Function', suffix).inputs;

      it('creates one KMS-encrypted topic per source that only the landing bucket of this account may publish to', () => {
        for (const source of SOURCES) {
          const topic = run().one('aws:sns/topic:Topic', `-${source.name}-topic`).inputs;
          expect(topic).to.include({ name: `sluice-${stack}-landing-${source.name}`, kmsMasterKeyId: keyArn(stack) });
          const policy = parse(run().one('aws:sns/topicPolicy:TopicPolicy', `-${source.name}-topic-policy`).inputs.policy);
          expect(policy.Statement).to.deep.equal([
            {
              Sid: 'LandingBucketNotifications',
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: mockArn(stack, 'sns/topic', `sluice-${stack}-landing-${source.name}`),
              Condition: { ArnLike: { 'aws:SourceArn': bucketArn(stack, 'landing') }, StringEquals: { 'aws:SourceAccount': ACCOUNTS[stack] } },
            },
          ]);
        }
      });

      it('sets one bucket notification on the landing bucket, one topic configuration per source prefix', () => {
        const notifications = run().ofType('aws:s3/bucketNotification:BucketNotification');
        expect(notifications).to.have.length(1);
        expect(notifications[0].inputs.bucket).to.equal(`sluice-${stack}-${ACCOUNTS[stack]}-landing`);
        expect(notifications[0].inputs.topics).to.deep.equal(
          SOURCES.map((s) => ({ id: s.name, topicArn: mockArn(stack, 'sns/topic', `sluice-${stack}-landing-${s.name}`), events: ['s3:ObjectCreated:*'], filterPrefix: s.prefix })),
        );
      });

      it("sends the first notification only once each source's topic policy, subscription and invoke permission exist", () => {
        const notification = run().one('aws:s3/bucketNotification:BucketNotification', '-landing-notifications');
        expect([...(notification.dependsOn ?? [])].sort()).to.deep.equal(
          SOURCES.flatMap((s) => [`-${s.name}-topic-policy`, `-${s.name}-s3-ingest-invoke`, `-${s.name}-subscription`].map((suffix) => `sluice-${stack}-ingestion${suffix}`)).sort(),
        );
      });

      it('runs one s3-ingest function per source on nodejs24.x arm64, configured from the stack', () => {
        for (const source of SOURCES) {
          const f = fn(`-${source.name}-s3-ingest`);
          expect(f).to.include({
            name: `sluice-${stack}-s3-ingest-${source.name}`,
            runtime: 'nodejs24.x',
            handler: 'index.handler',
            memorySize: stack === 'prod' ? 1024 : 512,
            timeout: 120,
            kmsKeyArn: keyArn(stack),
          });
          expect(f.architectures).to.deep.equal(['arm64']);
          expect(f.description).to.match(/bundle sha256 [0-9a-f]{16}\)$/);
          expect(f.deadLetterConfig).to.deep.equal({ targetArn: mockArn(stack, 'sqs/queue', `sluice-${stack}-s3-ingest-dlq`) });
          expect(f.loggingConfig).to.deep.equal({ logFormat: 'JSON', logGroup: `/aws/lambda/sluice-${stack}-s3-ingest-${source.name}` });
          expect(f.environment.variables).to.deep.equal({
            POWERTOOLS_SERVICE_NAME: 's3-ingest',
            POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            SLUICE_EVENTS_STREAM_ARN: streamArn(stack, 'events'),
            SLUICE_LAKE_BUCKET: `sluice-${stack}-${ACCOUNTS[stack]}-lake`,
            SLUICE_UNKNOWN_EVENT_NAMES: stack === 'prod' ? 'reject' : 'accept',
            SLUICE_SOURCE: source.name,
            SLUICE_PREFIX: source.prefix,
            SLUICE_FORMAT: source.format,
          });
        }
      });

      it('lets only its topic invoke each s3-ingest function, with source ARN and source account, and subscribes it', () => {
        for (const source of SOURCES) {
          const permission = run().one('aws:lambda/permission:Permission', `-${source.name}-s3-ingest-invoke`).inputs;
          expect(permission).to.deep.include({
            action: 'lambda:InvokeFunction',
            function: `sluice-${stack}-s3-ingest-${source.name}`,
            principal: 'sns.amazonaws.com',
            sourceArn: mockArn(stack, 'sns/topic', `sluice-${stack}-landing-${source.name}`),
            sourceAccount: ACCOUNTS[stack],
          });
          const subscription = run().one('aws:sns/topicSubscription:TopicSubscription', `-${source.name}-subscription`).inputs;
          expect(subscription).to.include({
            protocol: 'lambda',
            topic: mockArn(stack, 'sns/topic', `sluice-${stack}-landing-${source.name}`),
            endpoint: mockArn(stack, 'lambda/function', `sluice-${stack}-s3-ingest-${source.name}`),
          });
        }
      });

      it('gives each s3-ingest role its landing prefix, the events stream, its error prefix, its queue, the key and its logs only', () => {
        const policy = parse(run().one('aws:iam/rolePolicy:RolePolicy', '-backfill-s3-ingest-policy').inputs.policy);
        expect(policy.Statement).to.deep.equal([
          { Sid: 'ReadLandingPrefix', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${bucketArn(stack, 'landing')}/backfill/*` },
          { Sid: 'PublishEvents', Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: streamArn(stack, 'events') },
          { Sid: 'WriteErrorZone', Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucketArn(stack, 'lake')}/errors/source=backfill/*` },
          { Sid: 'FailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: mockArn(stack, 'sqs/queue', `sluice-${stack}-s3-ingest-dlq`) },
          { Sid: 'StackKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn(stack) },
          {
            Sid: 'OwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${mockArn(stack, 'cloudwatch/logGroup', `/aws/lambda/sluice-${stack}-s3-ingest-backfill`)}:log-stream:*`,
          },
        ]);
        const trust = parse(run().one('aws:iam/role:Role', '-backfill-s3-ingest-role').inputs.assumeRolePolicy);
        expect(trust.Statement).to.deep.equal([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      });

      it('validates the ingest stream with partial batch responses, bisection, bounded retries and an on-failure queue', () => {
        const mapping = run().one('aws:lambda/eventSourceMapping:EventSourceMapping', '-stream-validate-mapping').inputs;
        expect(mapping).to.deep.include({
          eventSourceArn: streamArn(stack, 'ingest'),
          functionName: mockArn(stack, 'lambda/function', `sluice-${stack}-stream-validate`),
          startingPosition: 'TRIM_HORIZON',
          batchSize: 500,
          functionResponseTypes: ['ReportBatchItemFailures'],
          bisectBatchOnFunctionError: true,
          maximumRetryAttempts: 3,
          destinationConfig: { onFailure: { destinationArn: mockArn(stack, 'sqs/queue', `sluice-${stack}-stream-validate-failures`) } },
        });
        const f = fn('-ingestion-stream-validate');
        expect(f).to.include({ name: `sluice-${stack}-stream-validate`, runtime: 'nodejs24.x', handler: 'index.handler' });
        expect(f.architectures).to.deep.equal(['arm64']);
        expect(f.environment.variables).to.not.have.property('SLUICE_SOURCE');
        const policy = parse(run().one('aws:iam/rolePolicy:RolePolicy', '-stream-validate-policy').inputs.policy);
        expect(policy.Statement[0]).to.deep.equal({
          Sid: 'ReadIngestStream',
          Effect: 'Allow',
          Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
          Resource: streamArn(stack, 'ingest'),
        });
        expect(policy.Statement.map((s: any) => s.Resource)).to.deep.equal([
          streamArn(stack, 'ingest'),
          streamArn(stack, 'events'),
          `${bucketArn(stack, 'lake')}/errors/source=stream/*`,
          mockArn(stack, 'sqs/queue', `sluice-${stack}-stream-validate-failures`),
          keyArn(stack),
          `${mockArn(stack, 'cloudwatch/logGroup', `/aws/lambda/sluice-${stack}-stream-validate`)}:log-stream:*`,
        ]);
      });

      it('never grants a wildcard resource to an ingestion role', () => {
        for (const r of run()
          .ofType('aws:iam/rolePolicy:RolePolicy')
          .filter((p) => p.name.includes('-ingestion-'))) {
          for (const s of parse(r.inputs.policy).Statement) expect(s.Resource, `${r.name} ${s.Sid}`).to.not.equal('*');
        }
      });

      it('encrypts the queues and log groups with the stack key and keeps logs as configured', () => {
        for (const q of ['s3-ingest-dlq', 'stream-validate-failures']) {
          expect(run().one('aws:sqs/queue:Queue', `-ingestion-${q}`).inputs).to.include({ name: `sluice-${stack}-${q}`, kmsMasterKeyId: keyArn(stack), messageRetentionSeconds: 1209600 });
        }
        const groups = run()
          .ofType('aws:cloudwatch/logGroup:LogGroup')
          .filter((g) => g.name.includes('-ingestion-'));
        expect(groups.map((g) => g.inputs.name).sort()).to.deep.equal([
          `/aws/lambda/sluice-${stack}-s3-ingest-backfill`,
          `/aws/lambda/sluice-${stack}-s3-ingest-partner-files`,
          `/aws/lambda/sluice-${stack}-stream-validate`,
        ]);
        for (const g of groups) expect(g.inputs).to.include({ kmsKeyId: keyArn(stack), retentionInDays: stack === 'prod' ? 90 : 14 });
      });

      it('parents every ingestion resource to the component', () => {
        const mine = run().resources.filter((r) => r.name.startsWith(`sluice-${stack}-ingestion-`));
        expect(mine.length).to.be.greaterThan(20);
        for (const r of mine) expect(r.parentName, r.name).to.equal(`sluice-${stack}-ingestion`);
      });
    });
  }

  it('creates no topic, notification or s3-ingest function for a stack without file-drop sources', async function () {
    this.timeout(60000);
    const run = await runStackProgram('dev', (c) => {
      c['sluice:ingestion'].sources = [];
    });
    expect(run.ofType('aws:sns/topic:Topic').map((t) => t.inputs.name)).to.deep.equal(['sluice-dev-alarms']);
    expect(run.ofType('aws:s3/bucketNotification:BucketNotification')).to.deep.equal([]);
    expect(run.ofType('aws:lambda/function:Function').map((f) => f.inputs.name)).to.not.include.members(['sluice-dev-s3-ingest-backfill']);
    expect(run.one('aws:lambda/function:Function', '-ingestion-stream-validate').inputs.name).to.equal('sluice-dev-stream-validate');
  });
});

describe('infra: ingestion function bundles', () => {
  it('are deterministic: the same code gives the same hash, different code a different one', () => {
    const a = bundleFunction('functions/s3-ingest/index.ts', SCHEMA_REGISTRY);
    expect(bundleFunction('functions/s3-ingest/index.ts', SCHEMA_REGISTRY).sha256).to.equal(a.sha256);
    expect(bundleFunction('functions/stream-validate/index.ts', SCHEMA_REGISTRY).sha256).to.not.equal(a.sha256);
    expect(bundleFunction('functions/s3-ingest/index.ts').sha256).to.not.equal(a.sha256);
  });

  it('ship the schema registry beside index.js, and the bundled handler loads it from there', async () => {
    const bundle = bundleFunction('functions/s3-ingest/index.ts', SCHEMA_REGISTRY);
    const assets = (await bundle.code.assets) as Record<string, any>;
    expect(Object.keys(assets)).to.include.members(['index.js', 'schemas/lesson:started.json', 'schemas/payment:order:completed.json']);
    // Inside the repository, so the AWS SDK (left out of the bundle, as the runtime provides it) resolves from node_modules.
    mkdirSync(join(REPO_ROOT, '.sluice'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, '.sluice', 'bundle-'));
    mkdirSync(join(dir, 'schemas'));
    for (const [path, asset] of Object.entries(assets)) writeFileSync(join(dir, path), await asset.text);
    const env = { ...process.env };
    Object.assign(process.env, {
      SLUICE_SOURCE: 'partner-files',
      SLUICE_PREFIX: 'partner-files/',
      SLUICE_EVENTS_STREAM_ARN: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-events',
      SLUICE_LAKE_BUCKET: 'lake',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    delete process.env.SLUICE_SCHEMA_DIR;
    try {
      const mod = require(join(dir, 'index.js'));
      expect(mod.handler).to.be.a('function');
      const sns = { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ Event: 's3:TestEvent' }) } }] };
      expect(await mod.handler(sns, { functionName: 'f', awsRequestId: 'r' })).to.deep.equal({ objects: [], testEvents: 1, skipped: [] });
    } finally {
      process.env = env;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
