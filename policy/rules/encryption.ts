import type { ResourceRule } from './rule';

/** AWS-managed keys, which the baseline does not accept in place of the stack's customer-managed key. */
const AWS_MANAGED = /^(alias\/aws\/|arn:aws[a-z-]*:kms:[^:]*:[0-9]*:alias\/aws\/)/;

const customerKey = (key: unknown): boolean => typeof key === 'string' && key !== '' && !AWS_MANAGED.test(key);

/** Where each type keeps its key, and what it must say besides. */
const CHECKS: Record<string, (props: Record<string, any>) => string | undefined> = {
  'aws:kinesis/stream:Stream': (p) => (p.encryptionType === 'KMS' && customerKey(p.kmsKeyId) ? undefined : 'encrypt it with the stack key: encryptionType KMS and kmsKeyId'),
  'aws:cloudwatch/logGroup:LogGroup': (p) => (customerKey(p.kmsKeyId) ? undefined : 'set kmsKeyId to the stack key'),
  'aws:sqs/queue:Queue': (p) => (customerKey(p.kmsMasterKeyId) ? undefined : 'set kmsMasterKeyId to the stack key'),
  'aws:sns/topic:Topic': (p) => (customerKey(p.kmsMasterKeyId) ? undefined : 'set kmsMasterKeyId to the stack key'),
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': (p) => {
    const rule = (p.rules ?? [])[0]?.applyServerSideEncryptionByDefault;
    return rule?.sseAlgorithm === 'aws:kms' && customerKey(rule.kmsMasterKeyId) ? undefined : 'default to aws:kms with the stack key (kmsMasterKeyId)';
  },
  'aws:athena/workgroup:Workgroup': (p) => {
    const enc = p.configuration?.resultConfiguration?.encryptionConfiguration;
    return enc?.encryptionOption === 'SSE_KMS' && customerKey(enc.kmsKeyArn) ? undefined : 'encrypt query results with SSE_KMS and the stack key (kmsKeyArn)';
  },
  'aws:kinesisanalyticsv2/application:Application': (p) => {
    const enc = p.applicationConfiguration?.applicationEncryptionConfiguration;
    return enc?.keyType === 'CUSTOMER_MANAGED_KEY' && customerKey(enc.keyId)
      ? undefined
      : 'encrypt the application state with the stack key (applicationEncryptionConfiguration keyType CUSTOMER_MANAGED_KEY)';
  },
};

/** The types this rule checks, for the pack's description and the tests. */
export const ENCRYPTED_TYPES = Object.keys(CHECKS);

export const customerKeyEncryption: ResourceRule = {
  name: 'customer-key-encryption',
  description: "Streams, bucket defaults, log groups, queues, topics, the Athena workgroup's results and Flink application state are encrypted with a customer-managed key.",
  check(resource) {
    const problem = CHECKS[resource.type]?.(resource.props);
    return problem === undefined ? [] : [`${resource.type} ${resource.name} is not encrypted with a customer-managed key; ${problem}`];
  },
};
