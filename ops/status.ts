/**
 * The health of a deployed stack from the APIs the design names: each Flink application's state,
 * runtime, parallelism and latest snapshot (Kinesis Analytics v2), each lake table's last commit
 * (Glue), the analysts' workgroup (Athena) and every alarm of the stack (CloudWatch). The result is
 * plain data, so `sluice status` prints it and promotion gates decide on it.
 */
import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { type GlueClient } from '@aws-sdk/client-glue';
import { GetWorkGroupCommand, type AthenaClient } from '@aws-sdk/client-athena';
import { DescribeApplicationCommand, ListApplicationSnapshotsCommand, type KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { alarmSpecs } from '../core/monitoring/alarms';
import { monitoredStack } from '../core/monitoring/inventory';
import { commitAgeSeconds, lastCommit } from '../functions/lake-freshness/handler';
import type { SluiceConfig } from '../stacks/types';

export interface StatusClients {
  readonly kinesisAnalytics: Pick<KinesisAnalyticsV2Client, 'send'>;
  readonly glue: Pick<GlueClient, 'send'>;
  readonly athena: Pick<AthenaClient, 'send'>;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
}

export type Verdict = 'healthy' | 'degraded' | 'unreachable';

export interface SnapshotStatus {
  readonly name: string;
  readonly status: string;
  readonly createdAt?: string;
}

export interface FlinkAppStatus {
  readonly job: string;
  readonly name: string;
  /** ApplicationStatus, e.g. RUNNING; absent when the application does not exist. */
  readonly status?: string;
  readonly runtime?: string;
  readonly parallelism?: number;
  readonly currentParallelism?: number;
  readonly parallelismPerKpu?: number;
  readonly autoScaling?: boolean;
  /** Processing KPUs plus the application's one extra KPU. */
  readonly kpus?: number;
  readonly latestSnapshot?: SnapshotStatus;
  readonly problem?: string;
}

export interface TableStatus {
  readonly name: string;
  readonly lastCommitAt?: string;
  readonly ageSeconds?: number;
  readonly metadataLocation?: string;
  readonly problem?: string;
}

export interface WorkgroupStatus {
  readonly name: string;
  readonly state?: string;
  readonly bytesScannedCutoffPerQuery?: number;
  readonly problem?: string;
}

export interface AlarmStatus {
  readonly name: string;
  /** OK, ALARM, INSUFFICIENT_DATA, or MISSING when the stack should have it and does not. */
  readonly state: string;
  readonly reason?: string;
  readonly since?: string;
}

export interface StackStatus {
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  readonly checkedAt: string;
  readonly verdict: Verdict;
  /** One line: the verdict and why. */
  readonly summary: string;
  readonly problems: readonly string[];
  readonly flink: readonly FlinkAppStatus[];
  readonly tables: readonly TableStatus[];
  readonly workgroup: WorkgroupStatus;
  readonly alarms: readonly AlarmStatus[];
}

/** The stack cannot be looked at: no credentials, the wrong account, or nothing deployed. */
export class StatusUnreachable extends Error {}

const errorName = (err: unknown) => (err as { name?: string }).name ?? '';
const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

async function flinkStatus(clients: StatusClients, job: string, name: string, snapshotsEnabled: boolean): Promise<FlinkAppStatus> {
  let detail;
  try {
    detail = (await clients.kinesisAnalytics.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return { job, name, problem: `Flink application ${name} does not exist` };
    throw err;
  }
  const p = detail?.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription?.ParallelismConfigurationDescription;
  const status = detail?.ApplicationStatus;
  const current = p?.CurrentParallelism ?? p?.Parallelism;
  const perKpu = p?.ParallelismPerKPU;
  let latestSnapshot: SnapshotStatus | undefined;
  if (snapshotsEnabled) {
    const snapshots = (await clients.kinesisAnalytics.send(new ListApplicationSnapshotsCommand({ ApplicationName: name, Limit: 50 }))).SnapshotSummaries ?? [];
    const latest = [...snapshots].sort((a, b) => (b.SnapshotCreationTimestamp?.getTime() ?? 0) - (a.SnapshotCreationTimestamp?.getTime() ?? 0))[0];
    if (latest?.SnapshotName)
      latestSnapshot = { name: latest.SnapshotName, status: latest.SnapshotStatus ?? 'UNKNOWN', ...(latest.SnapshotCreationTimestamp ? { createdAt: iso(latest.SnapshotCreationTimestamp) } : {}) };
  }
  return {
    job,
    name,
    ...(status ? { status } : {}),
    ...(detail?.RuntimeEnvironment ? { runtime: detail.RuntimeEnvironment } : {}),
    ...(p?.Parallelism !== undefined ? { parallelism: p.Parallelism } : {}),
    ...(current !== undefined ? { currentParallelism: current } : {}),
    ...(perKpu !== undefined ? { parallelismPerKpu: perKpu } : {}),
    ...(p?.AutoScalingEnabled !== undefined ? { autoScaling: p.AutoScalingEnabled } : {}),
    ...(current !== undefined && perKpu ? { kpus: Math.ceil(current / perKpu) + 1 } : {}),
    ...(latestSnapshot ? { latestSnapshot } : {}),
    ...(status !== 'RUNNING' ? { problem: `Flink application ${name} is ${status ?? 'in no known state'}, not RUNNING` } : {}),
  };
}

async function workgroupStatus(clients: StatusClients, name: string, expectedCutoff: number): Promise<WorkgroupStatus> {
  let wg;
  try {
    wg = (await clients.athena.send(new GetWorkGroupCommand({ WorkGroup: name }))).WorkGroup;
  } catch (err) {
    if (errorName(err) === 'InvalidRequestException') return { name, problem: `Athena workgroup ${name} does not exist` };
    throw err;
  }
  if (!wg) return { name, problem: `Athena workgroup ${name} does not exist` };
  const cutoff = wg.Configuration?.BytesScannedCutoffPerQuery;
  const problem =
    wg.State !== 'ENABLED'
      ? `Athena workgroup ${name} is ${wg.State ?? 'in no known state'}, not ENABLED`
      : cutoff !== expectedCutoff
        ? `Athena workgroup ${name} scan limit is ${cutoff ?? 'unset'} bytes, the config says ${expectedCutoff}; run pulumi up`
        : undefined;
  return { name, ...(wg.State ? { state: wg.State } : {}), ...(cutoff !== undefined ? { bytesScannedCutoffPerQuery: cutoff } : {}), ...(problem ? { problem } : {}) };
}

async function stackAlarms(clients: StatusClients, prefix: string): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(token ? { NextToken: token } : {}) }));
    alarms.push(...(page.MetricAlarms ?? []));
    token = page.NextToken;
  } while (token);
  return alarms;
}

/**
 * Collects the status of the stack `config` describes through `clients` (already pointed at the
 * stack's account and region). Throws `StatusUnreachable` when nothing of the stack exists.
 */
export async function collectStatus(config: SluiceConfig, clients: StatusClients, now: number = Date.now()): Promise<StackStatus> {
  const inv = monitoredStack(config);
  const [flink, tables, workgroup, alarms] = await Promise.all([
    Promise.all(inv.flinkApps.map((a) => flinkStatus(clients, a.job, a.name, config.processing.snapshots))),
    Promise.all(
      inv.lakeTables.map(async (name): Promise<TableStatus> => {
        const c = await lastCommit(clients.glue, inv.database, name);
        const age = commitAgeSeconds(c, now);
        const stale = age !== undefined && age > config.alerts.lakeFreshnessMinutes * 60;
        const problem = c.problem ?? (stale ? `table ${inv.database}.${name} last committed ${Math.round(age / 60)} min ago (limit ${config.alerts.lakeFreshnessMinutes} min)` : undefined);
        return {
          name,
          ...(c.committedAtMs !== undefined ? { lastCommitAt: new Date(c.committedAtMs).toISOString() } : {}),
          ...(age !== undefined ? { ageSeconds: age } : {}),
          ...(c.metadataLocation ? { metadataLocation: c.metadataLocation } : {}),
          ...(problem ? { problem } : {}),
        };
      }),
    ),
    workgroupStatus(clients, inv.workgroup, config.analytics.bytesScannedCutoffPerQuery),
    stackAlarms(clients, `sluice-${config.stack}-`),
  ]);

  const nothing = flink.every((f) => f.status === undefined) && tables.every((t) => t.lastCommitAt === undefined) && workgroup.state === undefined && alarms.length === 0;
  if (nothing) {
    throw new StatusUnreachable(
      `stack ${config.stack} is not deployed in account ${config.account.id} (${config.account.region}): no Flink applications, lake tables, workgroup or alarms named for it; ` +
        `deploy it with make deploy STACK=${config.stack}, or check --stack and sluice:account.region`,
    );
  }

  const byName = new Map(alarms.map((a) => [a.AlarmName ?? '', a]));
  const expected = alarmSpecs(inv, config.alerts).map((s) => s.name);
  const alarmStates: AlarmStatus[] = [
    ...expected.map((name): AlarmStatus => {
      const a = byName.get(name);
      if (!a) return { name, state: 'MISSING' };
      return { name, state: a.StateValue ?? 'UNKNOWN', ...(a.StateReason ? { reason: a.StateReason } : {}), ...(a.StateUpdatedTimestamp ? { since: iso(a.StateUpdatedTimestamp) } : {}) };
    }),
    ...alarms
      .filter((a) => !expected.includes(a.AlarmName ?? ''))
      .map((a): AlarmStatus => ({ name: a.AlarmName ?? '', state: a.StateValue ?? 'UNKNOWN', ...(a.StateReason ? { reason: a.StateReason } : {}) })),
  ];

  const problems = [
    ...flink.flatMap((f) => (f.problem ? [f.problem] : [])),
    ...tables.flatMap((t) => (t.problem ? [t.problem] : [])),
    ...(workgroup.problem ? [workgroup.problem] : []),
    ...alarmStates.filter((a) => a.state === 'ALARM').map((a) => `alarm ${a.name} is in ALARM`),
    ...alarmStates.filter((a) => a.state === 'MISSING').map((a) => `alarm ${a.name} does not exist; run pulumi up`),
  ];
  const verdict: Verdict = problems.length === 0 ? 'healthy' : 'degraded';
  const running = flink.filter((f) => f.status === 'RUNNING').length;
  const fresh = tables.filter((t) => t.lastCommitAt !== undefined && !t.problem).length;
  const inAlarm = alarmStates.filter((a) => a.state === 'ALARM').length;
  const counts = `${running}/${flink.length} Flink applications running, ${fresh}/${tables.length} tables fresh, workgroup ${workgroup.state ?? 'missing'}, ${inAlarm}/${alarmStates.length} alarms in ALARM`;
  const summary =
    verdict === 'healthy' ? `${config.stack}: healthy (${counts})` : `${config.stack}: degraded: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''} (${counts})`;
  return {
    stack: config.stack,
    account: config.account.id,
    region: config.account.region,
    checkedAt: new Date(now).toISOString(),
    verdict,
    summary,
    problems,
    flink,
    tables,
    workgroup,
    alarms: alarmStates,
  };
}

export const EXIT_CODES: Record<Verdict, number> = { healthy: 0, degraded: 1, unreachable: 2 };
