import { list, policyDocument, type StackRule, type Subject } from './rule';

const BUCKET = 'aws:s3/bucket:Bucket';

/** The resources that name a bucket by its `bucket` input (the bucket's name, or its id, which is the name). */
const byBucket = (resources: readonly Subject[], type: string, bucket: string) => resources.filter((r) => r.type === type && r.props.bucket === bucket);

/** A Deny of every S3 action to everyone when aws:SecureTransport is false, on the bucket and its objects. */
export function deniesPlainHttp(policy: unknown, bucketArn: string): boolean {
  const doc = policyDocument(policy);
  return (doc?.Statement ?? []).some((s) => {
    const resources = list<string>(s.Resource);
    return (
      s.Effect === 'Deny' &&
      (s.Principal === '*' || s.Principal?.AWS === '*') &&
      list<string>(s.Action).includes('s3:*') &&
      resources.includes(bucketArn) &&
      resources.includes(`${bucketArn}/*`) &&
      String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false'
    );
  });
}

export const bucketPublicAccessBlocked: StackRule = {
  name: 'bucket-public-access-blocked',
  description: 'Every bucket has a public access block with all four settings on.',
  checkStack(resources) {
    return resources
      .filter((r) => r.type === BUCKET)
      .flatMap((b) => {
        const blocks = byBucket(resources, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', b.props.bucket);
        const on = blocks.some((x) => x.props.blockPublicAcls && x.props.blockPublicPolicy && x.props.ignorePublicAcls && x.props.restrictPublicBuckets);
        return on
          ? []
          : [
              {
                resource: b.name,
                message: `bucket ${b.props.bucket} has no public access block with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true; add one`,
              },
            ];
      });
  },
};

export const bucketTlsOnly: StackRule = {
  name: 'bucket-tls-only',
  description: 'Every bucket policy denies requests that do not use TLS.',
  checkStack(resources) {
    return resources
      .filter((r) => r.type === BUCKET)
      .flatMap((b) => {
        const arn = `arn:aws:s3:::${b.props.bucket}`;
        const ok = byBucket(resources, 'aws:s3/bucketPolicy:BucketPolicy', b.props.bucket).some((p) => deniesPlainHttp(p.props.policy, arn));
        return ok ? [] : [{ resource: b.name, message: `bucket ${b.props.bucket} has no policy denying aws:SecureTransport false on the bucket and its objects; add the TLS-only statement` }];
      });
  },
};

export const bucketDefaultEncryption: StackRule = {
  name: 'bucket-default-encryption',
  description: 'Every bucket has a default encryption configuration (its key is checked by customer-key-encryption).',
  checkStack(resources) {
    return resources
      .filter((r) => r.type === BUCKET)
      .flatMap((b) =>
        byBucket(resources, 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', b.props.bucket).length > 0
          ? []
          : [{ resource: b.name, message: `bucket ${b.props.bucket} has no server-side encryption configuration; add one with aws:kms and the stack key` }],
      );
  },
};
