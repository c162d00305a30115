import { expect } from 'chai';
import { bucketDefaultEncryption, bucketPublicAccessBlocked, bucketTlsOnly } from '../../policy/rules/buckets';
import { customerKeyEncryption, ENCRYPTED_TYPES } from '../../policy/rules/encryption';
import { noWildcardActions } from '../../policy/rules/iam';
import { lambdaPermissionScoped } from '../../policy/rules/lambda';
import { statefulProtected, STATEFUL_TYPES } from '../../policy/rules/protection';
import { productionRetention } from '../../policy/rules/retention';
import { stackOfUrn, type Subject } from '../../policy/rules/rule';
import { requiredTags } from '../../policy/rules/tags';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/k';
const PROD = { production: true };
const DEV = { production: false };
const r = (type: string, props: Record<string, any>, protect = false): Subject => ({ type, name: 'thing', props, protect });
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('policy pack rules: each passes a compliant resource and names what is wrong with a failing one', () => {
  describe('customer-key-encryption', () => {
    const cases: Record<string, [Record<string, any>, Record<string, any>]> = {
      'aws:kinesis/stream:Stream': [
        { encryptionType: 'KMS', kmsKeyId: KEY },
        { encryptionType: 'KMS', kmsKeyId: 'alias/aws/kinesis' },
      ],
      'aws:cloudwatch/logGroup:LogGroup': [{ kmsKeyId: KEY }, {}],
      'aws:sqs/queue:Queue': [{ kmsMasterKeyId: KEY }, { sqsManagedSseEnabled: true }],
      'aws:sns/topic:Topic': [{ kmsMasterKeyId: KEY }, { kmsMasterKeyId: 'alias/aws/sns' }],
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': [
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY } }] },
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      ],
      'aws:athena/workgroup:Workgroup': [
        { configuration: { resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: KEY } } } },
        { configuration: { resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_S3' } } } },
      ],
      'aws:kinesisanalyticsv2/application:Application': [
        { applicationConfiguration: { applicationEncryptionConfiguration: { keyType: 'CUSTOMER_MANAGED_KEY', keyId: KEY } } },
        { applicationConfiguration: { applicationEncryptionConfiguration: { keyType: 'AWS_OWNED_KEY' } } },
      ],
    };
    it('covers every type it checks', () => expect(Object.keys(cases).sort()).to.deep.equal([...ENCRYPTED_TYPES].sort()));
    for (const [type, [good, bad]] of Object.entries(cases)) {
      it(type, () => {
        expect(customerKeyEncryption.check(r(type, good), DEV)).to.deep.equal([]);
        const [problem, ...more] = customerKeyEncryption.check(r(type, bad), DEV);
        expect(more).to.deep.equal([]);
        expect(problem).to.match(new RegExp(`^${type.replace(/[/.]/g, '\\$&')} thing is not encrypted with a customer-managed key; `));
      });
    }
  });

  describe('bucket rules (over the stack)', () => {
    const bucket = r('aws:s3/bucket:Bucket', { bucket: 'b' });
    const block = r('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', { bucket: 'b', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    const tls = r('aws:s3/bucketPolicy:BucketPolicy', {
      bucket: 'b',
      policy: doc({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    });
    const sse = r('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', { bucket: 'b', rules: [] });
    it('bucket-public-access-blocked', () => {
      expect(bucketPublicAccessBlocked.checkStack([bucket, block], DEV)).to.deep.equal([]);
      expect(bucketPublicAccessBlocked.checkStack([bucket, { ...block, props: { ...block.props, restrictPublicBuckets: false } }], DEV)).to.have.length(1);
      expect(bucketPublicAccessBlocked.checkStack([bucket], DEV)[0]?.message).to.match(/^bucket b has no public access block/);
    });
    it('bucket-tls-only', () => {
      expect(bucketTlsOnly.checkStack([bucket, tls], DEV)).to.deep.equal([]);
      const objectsOnly = { ...tls, props: { ...tls.props, policy: tls.props.policy.replace('"arn:aws:s3:::b",', '') } };
      expect(bucketTlsOnly.checkStack([bucket, objectsOnly], DEV)).to.deep.equal([
        { resource: 'thing', message: 'bucket b has no policy denying aws:SecureTransport false on the bucket and its objects; add the TLS-only statement' },
      ]);
    });
    it('bucket-default-encryption', () => {
      expect(bucketDefaultEncryption.checkStack([bucket, sse], DEV)).to.deep.equal([]);
      expect(bucketDefaultEncryption.checkStack([bucket], DEV)).to.have.length(1);
    });
  });

  it('no-wildcard-actions', () => {
    const good = r('aws:iam/rolePolicy:RolePolicy', { policy: doc({ Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: 'arn:x' }, { Effect: 'Deny', Action: 's3:*', Resource: '*' }) });
    expect(noWildcardActions.check(good, DEV)).to.deep.equal([]);
    const bad = r('aws:iam/rolePolicy:RolePolicy', { policy: doc({ Sid: 'Read', Effect: 'Allow', Action: ['s3:Get*'], Resource: 'arn:x' }) });
    expect(noWildcardActions.check(bad, DEV)).to.deep.equal(['aws:iam/rolePolicy:RolePolicy thing: statement Read of policy allows s3:Get*; list the actions it needs']);
    const key = (principal: string) => r('aws:kms/key:Key', { policy: doc({ Sid: 'AccountIamPolicies', Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:*', Resource: '*' }) });
    expect(noWildcardActions.check(key('arn:aws:iam::111111111111:root'), DEV)).to.deep.equal([]);
    expect(noWildcardActions.check(key('arn:aws:iam::111111111111:role/x'), DEV)).to.have.length(1);
    expect(noWildcardActions.check(r('aws:iam/role:Role', { assumeRolePolicy: doc({ Effect: 'Allow', Principal: { Service: 'x' }, Action: 'sts:*' }) }), DEV)).to.have.length(1);
  });

  it('lambda-permission-source', () => {
    const p = { action: 'lambda:InvokeFunction', principal: 'sns.amazonaws.com', sourceArn: 'arn:aws:sns:eu-west-1:1:t', sourceAccount: '111111111111' };
    expect(lambdaPermissionScoped.check(r('aws:lambda/permission:Permission', p), DEV)).to.deep.equal([]);
    expect(lambdaPermissionScoped.check(r('aws:lambda/permission:Permission', { ...p, sourceAccount: undefined }), DEV)).to.deep.equal([
      'Lambda permission thing lets sns.amazonaws.com invoke without sourceAccount; set sourceAccount to the resource and account that may invoke',
    ]);
  });

  it('stateful-protected-in-production', () => {
    for (const type of STATEFUL_TYPES) {
      expect(statefulProtected.check(r(type, {}, true), PROD), type).to.deep.equal([]);
      expect(statefulProtected.check(r(type, {}, false), DEV), type).to.deep.equal([]);
      expect(statefulProtected.check(r(type, {}, false), PROD), type).to.have.length(1);
    }
    expect(statefulProtected.check(r('aws:s3/bucket:Bucket', { forceDestroy: true }, true), PROD)).to.deep.equal([
      'bucket thing is force-destroyed with its objects; set forceDestroy false in production',
    ]);
  });

  it('required-tags', () => {
    expect(requiredTags.check(r('aws:sqs/queue:Queue', { tags: { project: 'sluice', stack: 'dev', component: 'ingestion' } }), DEV)).to.deep.equal([]);
    expect(requiredTags.check(r('aws:sqs/queue:Queue', { tags: { project: 'sluice' } }), DEV)).to.deep.equal([
      'aws:sqs/queue:Queue thing lacks the tags stack, component; build its tags with tagsFor()',
    ]);
    expect(requiredTags.check(r('aws:lambda/permission:Permission', {}), DEV)).to.deep.equal([]);
  });

  it('retention-minimums-in-production', () => {
    expect(productionRetention.check(r('aws:cloudwatch/logGroup:LogGroup', { retentionInDays: 90 }), PROD)).to.deep.equal([]);
    expect(productionRetention.check(r('aws:cloudwatch/logGroup:LogGroup', { retentionInDays: 14 }), DEV)).to.deep.equal([]);
    expect(productionRetention.check(r('aws:cloudwatch/logGroup:LogGroup', { name: 'g', retentionInDays: 14 }), PROD)).to.deep.equal([
      "log group g keeps 14 days, below production's 90; raise sluice:logs.retentionDays",
    ]);
    expect(productionRetention.check(r('aws:kinesis/stream:Stream', { name: 's', retentionPeriod: 24 }), PROD)).to.have.length(1);
    expect(productionRetention.check(r('aws:kinesis/stream:Stream', { retentionPeriod: 72 }), PROD)).to.deep.equal([]);
    expect(productionRetention.check(r('aws:sqs/queue:Queue', { messageRetentionSeconds: 1209600 }), PROD)).to.deep.equal([]);
    expect(productionRetention.check(r('aws:sqs/queue:Queue', {}), PROD)).to.have.length(1);
  });

  it('reads the stack from a URN', () => expect(stackOfUrn('urn:pulumi:prod::sluice::aws:s3/bucket:Bucket::x')).to.equal('prod'));
});
