import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MockRun, REPO_ROOT, RecordedResource, runStackProgram } from '../support/pulumi';

const STATEFUL_TYPES = ['aws:kms/key:Key', 'aws:s3/bucket:Bucket', 'aws:kinesis/stream:Stream'];

function isAwsCustom(r: RecordedResource): boolean {
  return r.type.startsWith('aws:');
}

describe('infra: data core under mocks', function () {
  const runs: Record<string, MockRun> = {};
  before(async () => {
    runs.dev = await runStackProgram('dev');
    runs.prod = await runStackProgram('prod');
  });

  it('disables default providers in Pulumi.yaml', () => {
    const project = parse(readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8'));
    expect(project.config['pulumi:disable-default-providers'].value).to.deep.equal(['*']);
  });

  for (const [stack, account] of [
    ['dev', '111111111111'],
    ['prod', '222222222222'],
  ] as const) {
    describe(`${stack} stack`, () => {
      it('deploys through one explicit provider that assumes the deploy role and allows only its account', () => {
        const [provider, ...others] = runs[stack].ofType('pulumi:providers:aws');
        expect(others).to.have.length(0);
        expect(provider.name).to.equal(`sluice-${stack}-aws`);
        expect(JSON.parse(provider.inputs.allowedAccountIds)).to.deep.equal([account]);
        expect(provider.inputs.region).to.equal('eu-west-1');
        expect(JSON.parse(provider.inputs.assumeRoles)[0].roleArn).to.equal(`arn:aws:iam::${account}:role/sluice-deploy`);
      });

      it('puts every AWS resource on that provider', () => {
        const aws = runs[stack].resources.filter(isAwsCustom);
        expect(aws.length).to.be.greaterThan(20);
        for (const r of aws) {
          expect(r.provider, `${r.type} ${r.name}`).to.match(new RegExp(`^urn:pulumi:${stack}::sluice::(pulumi:pulumi:Stack\\$)?pulumi:providers:aws::sluice-${stack}-aws::`));
        }
      });

      it('tags every taggable resource with project, stack and component', () => {
        const taggable = runs[stack].resources.filter((r) => STATEFUL_TYPES.includes(r.type));
        expect(taggable).to.have.length(8);
        for (const r of taggable) {
          expect(r.inputs.tags, r.name).to.include({ project: 'sluice', stack, owner: 'platform-team' });
          expect(r.inputs.tags.component, r.name).to.be.oneOf(['kms', 'storage', 'streams']);
        }
      });

      it('encrypts every bucket with the stack key and blocks public access and plain HTTP', () => {
        const run = runs[stack];
        const keyArn = `arn:aws:kms:eu-west-1:${account}:key/sluice-${stack}-kms-key`;
        expect(
          run
            .ofType('aws:s3/bucket:Bucket')
            .map((b) => b.inputs.bucket)
            .sort(),
        ).to.deep.equal([`sluice-${stack}-${account}-athena-results`, `sluice-${stack}-${account}-lake`, `sluice-${stack}-${account}-landing`]);
        for (const purpose of ['lake', 'landing', 'results']) {
          const sse = run.one('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', `-${purpose}-encryption`);
          expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: keyArn });
          const block = run.one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', `-${purpose}-public-access`);
          expect(block.inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
          const policy = JSON.parse(run.one('aws:s3/bucketPolicy:BucketPolicy', `-${purpose}-tls-only`).inputs.policy);
          expect(policy.Statement[0]).to.deep.include({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
        }
        expect(
          run
            .ofType('aws:s3/bucketVersioning:BucketVersioning')
            .map((v) => v.name)
            .sort(),
        ).to.deep.equal([`sluice-${stack}-storage-lake-versioning`, `sluice-${stack}-storage-landing-versioning`]);
      });

      it('encrypts every stream with the stack key', () => {
        const streams = runs[stack].ofType('aws:kinesis/stream:Stream');
        expect(streams.map((s) => s.inputs.name)).to.deep.equal(['ingest', 'events', 'processed', 'aggregates'].map((s) => `sluice-${stack}-${s}`));
        for (const s of streams) {
          expect(s.inputs).to.include({ encryptionType: 'KMS', kmsKeyId: `arn:aws:kms:eu-west-1:${account}:key/sluice-${stack}-kms-key` });
        }
      });

      it('rotates the key and scopes its policy to the account', () => {
        const key = runs[stack].one('aws:kms/key:Key', '-kms-key');
        expect(key.inputs.enableKeyRotation).to.equal(true);
        const policy = JSON.parse(key.inputs.policy);
        expect(policy.Statement[0].Principal).to.deep.equal({ AWS: `arn:aws:iam::${account}:root` });
        expect(policy.Statement[2].Condition).to.deep.equal({ StringEquals: { 'aws:SourceAccount': account } });
      });
    });
  }

  it('protects stateful resources in prod and leaves dev deletable', () => {
    for (const type of STATEFUL_TYPES) {
      for (const r of runs.prod.ofType(type)) expect({ name: r.name, protect: r.protect, retain: r.retainOnDelete }).to.deep.equal({ name: r.name, protect: true, retain: true });
      for (const r of runs.dev.ofType(type)) expect({ name: r.name, protect: r.protect, retain: r.retainOnDelete }).to.deep.equal({ name: r.name, protect: false, retain: false });
    }
    expect(runs.prod.ofType('aws:s3/bucket:Bucket').every((b) => b.inputs.forceDestroy === false)).to.equal(true);
    expect(runs.dev.ofType('aws:s3/bucket:Bucket').every((b) => b.inputs.forceDestroy === true)).to.equal(true);
  });

  it('sizes streams from config: on-demand in dev, provisioned shards and longer retention in prod', () => {
    const dev = Object.fromEntries(runs.dev.ofType('aws:kinesis/stream:Stream').map((s) => [s.inputs.name, [s.inputs.streamModeDetails.streamMode, s.inputs.shardCount, s.inputs.retentionPeriod]]));
    expect(dev).to.deep.equal({
      'sluice-dev-ingest': ['ON_DEMAND', undefined, 24],
      'sluice-dev-events': ['ON_DEMAND', undefined, 48],
      'sluice-dev-processed': ['ON_DEMAND', undefined, 24],
      'sluice-dev-aggregates': ['ON_DEMAND', undefined, 24],
    });
    const prod = Object.fromEntries(runs.prod.ofType('aws:kinesis/stream:Stream').map((s) => [s.inputs.name, [s.inputs.streamModeDetails.streamMode, s.inputs.shardCount, s.inputs.retentionPeriod]]));
    expect(prod).to.deep.equal({
      'sluice-prod-ingest': ['PROVISIONED', 4, 72],
      'sluice-prod-events': ['PROVISIONED', 4, 168],
      'sluice-prod-processed': ['PROVISIONED', 4, 168],
      'sluice-prod-aggregates': ['PROVISIONED', 1, 168],
    });
  });

  it('applies the lake lifecycle per zone from config', () => {
    const rules = runs.prod.one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', '-lake-lifecycle').inputs.rules;
    expect(rules.map((r: any) => [r.id, r.filter?.prefix, r.transitions?.[0], r.expiration?.days])).to.deep.equal([
      ['raw-zone', 'raw/', { days: 90, storageClass: 'GLACIER_IR' }, 730],
      ['curated-zone', 'curated/', { days: 90, storageClass: 'STANDARD_IA' }, undefined],
      ['errors-zone', 'errors/', undefined, 180],
      ['noncurrent-versions', undefined, undefined, undefined],
    ]);
    expect(rules[3].noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 30 });
    const results = runs.dev.one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', '-results-lifecycle').inputs.rules;
    expect(results[0].expiration).to.deep.equal({ days: 3 });
  });

  it('gives whole-bucket lifecycle rules no filter rather than the deprecated empty one', () => {
    for (const config of runs.prod.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration')) {
      for (const rule of config.inputs.rules) {
        expect(rule, `${config.name} ${rule.id}`).to.satisfy((r: any) => !('filter' in r) || (typeof r.filter.prefix === 'string' && r.filter.prefix !== ''));
      }
    }
  });

  it('exports the stream ARNs, bucket names, key ARN, Flink application ARNs, alarm topic, dashboard and the Kafka source (none here)', () => {
    expect(runs.dev.outputs).to.deep.equal({
      flinkApplicationArns: {
        'dedup-filter': 'arn:aws:kinesisanalytics:eu-west-1:111111111111:application/sluice-dev-dedup-filter',
        aggregate: 'arn:aws:kinesisanalytics:eu-west-1:111111111111:application/sluice-dev-aggregate',
      },
      keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/sluice-dev-kms-key',
      lakeBucket: 'sluice-dev-111111111111-lake',
      landingBucket: 'sluice-dev-111111111111-landing',
      resultsBucket: 'sluice-dev-111111111111-athena-results',
      glueDatabase: 'sluice_dev',
      athenaWorkgroup: 'sluice-dev-analysts',
      analystPolicyArn: 'arn:aws:iam::111111111111:policy/sluice-dev-analyst',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111111111111:sluice-dev-alarms',
      dashboardName: 'sluice-dev',
      kafkaSource: null,
      streamArns: {
        ingest: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-ingest',
        events: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-events',
        processed: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-processed',
        aggregates: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-aggregates',
      },
    });
  });

  it('stops before creating anything when the config is invalid', async () => {
    let error: unknown;
    try {
      await runStackProgram('dev', (c) => {
        c['sluice:streams'].events.retentionHours = 12;
      });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.include('sluice:streams.events.retentionHours must be between 24 and 8760 (got 12); raise it or remove it to use 24');
  });
});
