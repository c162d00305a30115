import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { LakeLifecycleConfig, SluiceConfig } from '../stacks/types';
import { statefulOptions } from './naming';
import { bucketName, tagsFor } from '../core/naming';
import { policyDocument, PolicyDocument } from '../core/iam';

/** Zones of the lake bucket, as key prefixes. */
export const LAKE_ZONES = { raw: 'raw/', curated: 'curated/', errors: 'errors/' } as const;

export interface StorageArgs {
  config: SluiceConfig;
  /** ARN of the stack's KMS key, the default encryption of every bucket. */
  keyArn: pulumi.Input<string>;
}

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

const ABORT_UPLOADS = { daysAfterInitiation: 7 };

/**
 * Lifecycle rules per lake zone; pure so that the day arithmetic is tested without Pulumi. A rule
 * for the whole bucket has no filter at all: the provider deprecates the empty `filter: {}`, and no
 * filter means every object.
 */
export function lakeLifecycleRules(lc: LakeLifecycleConfig): LifecycleRule[] {
  return [
    {
      id: 'raw-zone',
      status: 'Enabled',
      filter: { prefix: LAKE_ZONES.raw },
      transitions: [{ days: lc.rawGlacierDays, storageClass: 'GLACIER_IR' }],
      expiration: { days: lc.rawExpireDays },
    },
    {
      id: 'curated-zone',
      status: 'Enabled',
      filter: { prefix: LAKE_ZONES.curated },
      transitions: [{ days: lc.curatedInfrequentAccessDays, storageClass: 'STANDARD_IA' }],
    },
    { id: 'errors-zone', status: 'Enabled', filter: { prefix: LAKE_ZONES.errors }, expiration: { days: lc.errorsExpireDays } },
    {
      id: 'noncurrent-versions',
      status: 'Enabled',
      noncurrentVersionExpiration: { noncurrentDays: lc.noncurrentVersionExpireDays },
      abortIncompleteMultipartUpload: ABORT_UPLOADS,
    },
  ];
}

export function landingLifecycleRules(lc: LakeLifecycleConfig): LifecycleRule[] {
  return [
    {
      id: 'file-drops',
      status: 'Enabled',
      expiration: { days: lc.landingExpireDays },
      noncurrentVersionExpiration: { noncurrentDays: lc.noncurrentVersionExpireDays },
      abortIncompleteMultipartUpload: ABORT_UPLOADS,
    },
  ];
}

export function resultsLifecycleRules(lc: LakeLifecycleConfig): LifecycleRule[] {
  return [{ id: 'query-results', status: 'Enabled', expiration: { days: lc.athenaResultsExpireDays }, abortIncompleteMultipartUpload: ABORT_UPLOADS }];
}

/** Denies every request that does not use TLS, whoever makes it. */
export function tlsOnlyPolicy(bucketArn: string): PolicyDocument {
  return policyDocument([
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}

interface SecureBucketArgs {
  config: SluiceConfig;
  purpose: string;
  keyArn: pulumi.Input<string>;
  versioned: boolean;
  lifecycle: LifecycleRule[];
}

/** A bucket with the security baseline: no public access, TLS only, KMS by default, owner-enforced objects. */
function secureBucket(parent: pulumi.ComponentResource, name: string, args: SecureBucketArgs): aws.s3.Bucket {
  const { config } = args;
  const opts = { parent };
  const bucket = new aws.s3.Bucket(name, { bucket: bucketName(config, args.purpose), forceDestroy: !config.protection.stateful, tags: tagsFor(config, 'storage') }, statefulOptions(config, parent));
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: args.keyArn }, bucketKeyEnabled: true }] },
    opts,
  );
  new aws.s3.BucketPolicy(`${name}-tls-only`, { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))) }, { parent, dependsOn: [publicAccess] });
  const lifecycleDeps: pulumi.Resource[] = [];
  if (args.versioned) {
    lifecycleDeps.push(new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, opts));
  }
  new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: args.lifecycle }, { parent, dependsOn: lifecycleDeps });
  return bucket;
}

/** The lake bucket (zones as prefixes), the landing bucket for file drops and the Athena results bucket. */
export class Storage extends pulumi.ComponentResource {
  readonly lake: aws.s3.Bucket;
  readonly landing: aws.s3.Bucket;
  readonly results: aws.s3.Bucket;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:storage:Storage', name, {}, opts);
    const { config, keyArn } = args;
    const lc = config.lake.lifecycle;
    this.lake = secureBucket(this, `${name}-lake`, { config, keyArn, purpose: 'lake', versioned: true, lifecycle: lakeLifecycleRules(lc) });
    this.landing = secureBucket(this, `${name}-landing`, { config, keyArn, purpose: 'landing', versioned: true, lifecycle: landingLifecycleRules(lc) });
    this.results = secureBucket(this, `${name}-results`, { config, keyArn, purpose: 'athena-results', versioned: false, lifecycle: resultsLifecycleRules(lc) });
    this.registerOutputs({ lakeBucket: this.lake.bucket, landingBucket: this.landing.bucket, resultsBucket: this.results.bucket });
  }
}
