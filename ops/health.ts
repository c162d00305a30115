import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import { DescribeApplicationCommand, KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { FLINK_JOBS } from '../core/jobs';
import { physicalName } from '../core/naming';
import type { StackHealth } from '../core/promotion';
import type { SluiceConfig } from '../stacks/types';

/** The calls the reader makes, so tests can answer them with recorded AWS responses. */
export interface HealthClients {
  describeAlarms(prefix: string, nextToken?: string): Promise<Pick<DescribeAlarmsCommandOutput, 'MetricAlarms' | 'CompositeAlarms' | 'NextToken'>>;
  /** The application's status (`RUNNING`, `READY`, ...), or undefined when it does not exist. */
  applicationStatus(name: string): Promise<string | undefined>;
}

/**
 * A stack's health for the promotion gate: every alarm whose name starts with the stack's prefix
 * (`sluice-<stack>-`), and the status of each Flink application. An application that does not
 * exist is reported as `MISSING`, so the gate fails on it.
 *
 * A minimal reader over CloudWatch and Kinesis Analytics v2 until the operations status code
 * (`sluice status`) offers a reusable collector; it reads the same APIs.
 */
export async function collectStackHealth(config: SluiceConfig, clients: HealthClients): Promise<StackHealth> {
  const alarms: { name: string; state: string }[] = [];
  const prefix = `${physicalName(config)}-`;
  let token: string | undefined;
  do {
    const page = await clients.describeAlarms(prefix, token);
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) alarms.push({ name: a.AlarmName ?? '?', state: a.StateValue ?? 'UNKNOWN' });
    token = page.NextToken;
  } while (token !== undefined);
  const applications = await Promise.all(
    FLINK_JOBS.map(async (job) => {
      const name = physicalName(config, job);
      return { name, status: (await clients.applicationStatus(name)) ?? 'MISSING' };
    }),
  );
  return { alarms: alarms.sort((a, b) => a.name.localeCompare(b.name)), applications };
}

/** AWS clients in the stack's region, with credentials of the stack's deploy role assumed from the ambient ones. */
export async function awsHealthClients(config: SluiceConfig): Promise<HealthClients> {
  const region = config.account.region;
  const sts = new STSClient({ region });
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: config.account.deployRoleArn, RoleSessionName: physicalName(config, 'promote') }));
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`assuming ${config.account.deployRoleArn} returned no credentials`);
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  const cloudwatch = new CloudWatchClient({ region, credentials });
  const flink = new KinesisAnalyticsV2Client({ region, credentials });
  return {
    describeAlarms: (prefix, nextToken) => cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken })),
    async applicationStatus(name) {
      try {
        return (await flink.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail?.ApplicationStatus;
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    },
  };
}

/** The health reader `sluice promote` uses. */
export async function readStackHealth(config: SluiceConfig): Promise<StackHealth> {
  return collectStackHealth(config, await awsHealthClients(config));
}
