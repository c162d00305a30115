import { expect } from 'chai';
import { NAME_LIMITS, type LimitedKind } from '../../stacks/limits';
import { configProblems, TEST_ACCOUNT as ACCOUNT } from '../support/config';
import { loadStackConfig, ConfigError } from '../../stacks/load';
import { runStackProgram } from '../support/pulumi';

const problemsFor = (stack: string, values: Record<string, unknown>): readonly string[] => {
  try {
    loadStackConfig(stack, values);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

/** Which recorded input holds the physical name of each limited kind, by Pulumi type. */
const NAME_INPUTS: Record<string, { kind: LimitedKind; input: string }> = {
  'aws:iam/role:Role': { kind: 'IAM role', input: 'name' },
  'aws:lambda/function:Function': { kind: 'Lambda function', input: 'name' },
  'aws:s3/bucket:Bucket': { kind: 'S3 bucket', input: 'bucket' },
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream': { kind: 'Firehose delivery stream', input: 'name' },
  'aws:sqs/queue:Queue': { kind: 'SQS queue', input: 'name' },
  'aws:kinesis/stream:Stream': { kind: 'Kinesis stream', input: 'name' },
  'aws:kinesisanalyticsv2/application:Application': { kind: 'Managed Flink application', input: 'name' },
  'aws:kinesis/streamConsumer:StreamConsumer': { kind: 'Kinesis stream consumer', input: 'name' },
};

describe('stack configuration: AWS name limits', () => {
  it('refuses a stack name that makes the results bucket name longer than 63 characters, naming the stack and how much to cut', () => {
    // sluice-<stack>-111111111111-athena-results: 35 characters around the stack name.
    expect(problemsFor('a'.repeat(28), { account: ACCOUNT })).to.deep.equal([]);
    expect(problemsFor('a'.repeat(30), { account: ACCOUNT })).to.deep.equal([
      `the stack name "${'a'.repeat(30)}" makes the S3 bucket name sluice-${'a'.repeat(30)}-111111111111-athena-results 65 characters long, over AWS's limit of 63; use a stack name at least 2 characters shorter`,
    ]);
  });

  it('refuses a source name that makes its function and role names longer than 64 characters', () => {
    const source = (name: string) => ({ account: ACCOUNT, ingestion: { sources: [{ name, prefix: 'p/' }] } });
    // sluice-<stack>-s3-ingest-<source>: 18 characters around the stack and source names.
    expect(problemsFor('prod-eu-west-1', source('a'.repeat(31)))).to.deep.equal([]);
    expect(problemsFor('prod-eu-central-1', source('a'.repeat(31)))).to.deep.equal([
      `sluice:ingestion.sources[0].name makes the IAM role name sluice-prod-eu-central-1-s3-ingest-${'a'.repeat(31)} 66 characters long, over AWS's limit of 64; shorten it (or the stack name) by at least 2 characters`,
    ]);
  });

  it('refuses an access role name whose role would be longer than 64 characters', () => {
    const values = { account: ACCOUNT, access: { producers: [{ account: '333333333333', role: 'r'.repeat(31) }] } };
    expect(problemsFor('prod', values)).to.deep.equal([]);
    expect(problemsFor('a'.repeat(20), values)).to.deep.equal([
      `sluice:access.producers[0].role makes the IAM role name sluice-${'a'.repeat(20)}-access-${'r'.repeat(31)} 66 characters long, over AWS's limit of 64; shorten it (or the stack name) by at least 2 characters`,
    ]);
  });

  it('refuses a stack name S3 and IAM names cannot carry', () => {
    expect(problemsFor('Dev_1', { account: ACCOUNT })).to.deep.equal([
      'the stack name "Dev_1" must start with a lower-case letter and hold only lower-case letters, digits and "-" (bucket and role names are made from it); rename the stack',
    ]);
  });

  it('keeps every name the program creates within its limit for the longest names config accepts', async function () {
    this.timeout(120000);
    // The longest source name (31) leaves 15 characters of stack name for a 64-character function name.
    const stack = 'd'.repeat(15);
    const source = 's'.repeat(31);
    const run = await runStackProgram(
      'dev',
      (c) => {
        c['sluice:ingestion'].sources = [{ name: source, prefix: 'longest/' }];
        c['sluice:access'] = { producers: [{ account: '333333333333', role: 'r'.repeat(31) }], consumers: [{ account: '444444444444', consumers: ['c'.repeat(115)] }] };
      },
      stack,
    );
    expect(problemsFor(stack, { account: ACCOUNT, ingestion: { sources: [{ name: source, prefix: 'longest/' }] } })).to.deep.equal([]);
    const over = run.resources.flatMap((r) => {
      const n = NAME_INPUTS[r.type];
      const value = n ? (r.inputs[n.input] as string) : undefined;
      return n && value !== undefined && value.length > NAME_LIMITS[n.kind] ? [`${n.kind} ${value} (${value.length} > ${NAME_LIMITS[n.kind]})`] : [];
    });
    expect(over).to.deep.equal([]);
    expect(run.ofType('aws:lambda/function:Function').map((f) => f.inputs.name.length)).to.include(64);
  });
});

describe('stack configuration: access rules', () => {
  it('accepts an account that both produces and consumes, each with its own role', () => {
    expect(
      configProblems({ account: ACCOUNT, access: { producers: [{ account: '333333333333', role: 'p' }], consumers: [{ account: '333333333333', consumers: ['app'], role: 'c' }] } }),
    ).to.deep.equal([]);
  });

  it('refuses an account listed twice on one side, the stack account, a role name used twice and a consumer entry without consumers', () => {
    expect(
      configProblems({
        account: ACCOUNT,
        access: {
          producers: [{ account: '333333333333', role: 'x' }, { account: '333333333333' }, { account: ACCOUNT.id }],
          consumers: [{ account: '444444444444', consumers: ['app'], role: 'x' }],
        },
      }),
    ).to.deep.equal([
      'sluice:access.producers[1].account repeats the account of producers[0] ("333333333333"); merge the two entries',
      "sluice:access.producers[2].account is the stack's own account 111111111111, whose principals get access through IAM in the account; remove the entry",
      'sluice:access.consumers[0].role repeats the role name of producers[0] ("x"); give each entry its own role name',
    ]);
    expect(configProblems({ account: ACCOUNT, access: { consumers: [{ account: '444444444444', consumers: [] }] } })).to.deep.equal([
      'sluice:access.consumers[0].consumers must list at least 1 entry; add one, or remove the key around it',
    ]);
  });
});
