/**
 * IAM policy documents as plain data: the statements every component needs (read or write a
 * stream, use the stack key, write its own logs, reach an S3 prefix, trust a service), built in
 * one place so that each access path is written once and tested once. No Pulumi, no AWS SDK:
 * components resolve ARNs first and hand them in as strings.
 */

/** One ARN or several; kept as given so a document reads the way its author wrote it. */
export type Resources = string | readonly string[];

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;

export type Principal = '*' | Readonly<{ AWS?: string | readonly string[]; Service?: string | readonly string[] }>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Principal;
  readonly Action: string | readonly string[];
  readonly Resource?: Resources;
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** The root principal of an account: "anyone the account's own IAM allows". */
export function accountRoot(account: string): string {
  return `arn:aws:iam::${account}:root`;
}

/**
 * What each kind of shared-throughput reader calls on a stream, as its documentation lists it: the
 * Lambda event source mapping (Lambda, "Using Lambda with Kinesis": execution role permissions),
 * Firehose with a Kinesis source (Firehose, "Controlling access": Kinesis source) and the Flink
 * Kinesis source of connector 5.x and later (it calls DescribeStreamSummary, ListShards,
 * GetShardIterator and GetRecords).
 */
export const KINESIS_READERS = {
  lambda: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
  firehose: ['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
  flink: ['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
} as const satisfies Record<string, readonly string[]>;

/** The two put APIs a producer may call. */
export const KINESIS_PUT_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords'] as const;

export function kinesisRead(sid: string, streams: Resources, reader: keyof typeof KINESIS_READERS): Statement {
  return { Sid: sid, Effect: 'Allow', Action: [...KINESIS_READERS[reader]], Resource: streams };
}

/** Put records on a stream in batches: the ingestion functions and the Flink Kinesis sink only call PutRecords. */
export function kinesisWrite(sid: string, streams: Resources): Statement {
  return { Sid: sid, Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: streams };
}

/**
 * Use the stack key to read (Decrypt) and write (GenerateDataKey) data a service encrypts with it:
 * Kinesis server-side encryption, S3 SSE-KMS, a Lambda's environment. `via` limits the use to
 * requests those services make on the caller's behalf (`kms:ViaService`), in `region`.
 */
export function keyUse(sid: string, keyArn: Resources, via?: { region: string; services: readonly string[] }): Statement {
  const statement: Statement = { Sid: sid, Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn };
  if (!via) return statement;
  const services = via.services.map((s) => viaService(s, via.region));
  return { ...statement, Condition: { StringEquals: { 'kms:ViaService': services.length === 1 ? (services[0] as string) : services } } };
}

/** The `kms:ViaService` value of a service in a region, e.g. `kinesis.eu-west-1.amazonaws.com`. */
export function viaService(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

/**
 * Write to the streams of one's own log group. `createStreams` for writers that open their own
 * streams (Lambda); writers whose stream is declared in code (Firehose, Flink) only put events.
 */
export function logWrite(sid: string, logGroupArn: string, options: { createStreams?: boolean } = {}): Statement {
  const actions = options.createStreams ? ['logs:CreateLogStream', 'logs:PutLogEvents'] : ['logs:PutLogEvents'];
  return { Sid: sid, Effect: 'Allow', Action: actions, Resource: `${logGroupArn}:log-stream:*` };
}

/** Object ARNs under key prefixes of a bucket (`prefix` ends in `/`; the empty prefix is the whole bucket). */
export function objectArns(bucketArn: string, prefixes: readonly string[]): string[] {
  return prefixes.map((p) => `${bucketArn}/${p}*`);
}

/** Object-level S3 actions on key prefixes of a bucket. */
export function s3Objects(sid: string, actions: readonly string[], bucketArn: string, prefixes: readonly string[]): Statement {
  const resources = objectArns(bucketArn, prefixes);
  return { Sid: sid, Effect: 'Allow', Action: actions.length === 1 ? (actions[0] as string) : [...actions], Resource: resources.length === 1 ? (resources[0] as string) : resources };
}

/** A role's trust policy: one AWS service may assume it, under the given conditions. */
export function serviceTrust(service: string, condition?: ConditionBlock): PolicyDocument {
  return policyDocument([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }]);
}
