import { list, policyDocument, type ResourceRule } from './rule';

/** Where each type keeps its IAM document(s). */
const DOCUMENT_INPUTS: Record<string, string[]> = {
  'aws:iam/role:Role': ['assumeRolePolicy'],
  'aws:iam/rolePolicy:RolePolicy': ['policy'],
  'aws:iam/policy:Policy': ['policy'],
  'aws:kms/key:Key': ['policy'],
  'aws:s3/bucketPolicy:BucketPolicy': ['policy'],
  'aws:sns/topicPolicy:TopicPolicy': ['policy'],
  'aws:sqs/queuePolicy:QueuePolicy': ['policy'],
  'aws:kinesis/resourcePolicy:ResourcePolicy': ['policy'],
};

/**
 * The one grant AWS prescribes with `kms:*`: a key policy's statement that lets the account's IAM
 * decide who uses the key (without it the key cannot be managed at all). Its principal must be the
 * account root.
 */
function isKeyAccountDelegation(type: string, s: Record<string, any>): boolean {
  return type === 'aws:kms/key:Key' && s.Sid === 'AccountIamPolicies' && list<string>(s.Principal?.AWS).every((p) => /^arn:aws[a-z-]*:iam::[0-9]{12}:root$/.test(p));
}

export const noWildcardActions: ResourceRule = {
  name: 'no-wildcard-actions',
  description: 'No Allow statement of a role, policy, key, bucket, topic, queue or stream policy grants "*" or a wildcard action.',
  check(resource) {
    const inputs = DOCUMENT_INPUTS[resource.type];
    if (!inputs) return [];
    const problems: string[] = [];
    for (const input of inputs) {
      const doc = policyDocument(resource.props[input]);
      for (const [i, s] of (doc?.Statement ?? []).entries()) {
        if (s.Effect !== 'Allow' || isKeyAccountDelegation(resource.type, s)) continue;
        for (const action of list<string>(s.Action)) {
          if (action.includes('*')) problems.push(`${resource.type} ${resource.name}: statement ${s.Sid ?? i} of ${input} allows ${action}; list the actions it needs`);
        }
        if (s.NotAction !== undefined) problems.push(`${resource.type} ${resource.name}: statement ${s.Sid ?? i} of ${input} allows NotAction; list the actions it needs`);
      }
    }
    return problems;
  },
};
