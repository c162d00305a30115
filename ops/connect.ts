/**
 * Clients of a deployed stack: credentials from the default AWS chain, then the stack's read-only
 * role (`sluice:account.readOnlyRoleArn`) or, without one, its deploy role, checked to be in the
 * stack's account. Every failure says what was wrong and what to do.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { physicalName } from '../core/naming';
import type { SluiceConfig } from '../stacks/types';
import { StatusUnreachable, type StatusClients } from './status';

/** Extra client settings (an endpoint and request handler for tests); region and credentials are set here. */
export type ClientSettings = Record<string, unknown>;

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch']);

function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Whether the caller already is (a session of) the role, so assuming it again is not needed. */
function isSessionOf(callerArn: string, roleArn: string): boolean {
  const m = /^arn:aws[a-z-]*:sts::([0-9]{12}):assumed-role\/([^/]+)\//.exec(callerArn);
  return m !== null && m[1] === /::([0-9]{12}):/.exec(roleArn)?.[1] && m[2] === roleName(roleArn);
}

export async function connectStack(config: SluiceConfig, settings: ClientSettings = {}): Promise<{ clients: StatusClients; roleArn: string; callerArn: string }> {
  const region = config.account.region;
  const roleArn = config.account.readOnlyRoleArn ?? config.account.deployRoleArn;
  const base = { region, ...settings };
  const sts = new STSClient(base);
  let callerArn: string;
  try {
    callerArn = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (err) {
    const e = err as Error;
    if (CREDENTIAL_ERRORS.has(e.name)) {
      throw new StatusUnreachable(`no usable AWS credentials (${e.name}: ${e.message.split('\n')[0]}); sign in first (aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID), then run again`);
    }
    throw new StatusUnreachable(`cannot reach AWS STS in ${region} (${e.name}: ${e.message.split('\n')[0]}); check the network and sluice:account.region`);
  }
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  if (!isSessionOf(callerArn, roleArn)) {
    try {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: physicalName(config, 'status'), DurationSeconds: 900 }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}) };
    } catch (err) {
      const e = err as Error;
      const which = config.account.readOnlyRoleArn ? 'sluice:account.readOnlyRoleArn' : 'sluice:account.deployRoleArn';
      throw new StatusUnreachable(
        `${callerArn} cannot assume ${roleArn} (${which}) (${e.name}: ${e.message.split('\n')[0]}); use credentials the role trusts, or name a read-only role you may assume in sluice:account.readOnlyRoleArn`,
      );
    }
  }
  const clientConfig = { ...base, ...(credentials ? { credentials } : {}) };
  const assumed = credentials ? new STSClient(clientConfig) : sts;
  const account = (await assumed.send(new GetCallerIdentityCommand({}))).Account;
  if (account !== config.account.id) {
    throw new StatusUnreachable(
      `the credentials act in account ${account}, but stack ${config.stack} lives in ${config.account.id}; use credentials of account ${config.account.id} or correct sluice:account.id`,
    );
  }
  return {
    roleArn,
    callerArn,
    clients: {
      kinesisAnalytics: new KinesisAnalyticsV2Client(clientConfig),
      glue: new GlueClient(clientConfig),
      athena: new AthenaClient(clientConfig),
      cloudwatch: new CloudWatchClient(clientConfig),
    },
  };
}
