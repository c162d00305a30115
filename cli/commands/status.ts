import { Command } from 'commander';
import { projectRoot } from '../../core/project';
import type { StackStatus } from '../../ops/status';

interface StatusOptions {
  stack: string;
  dir: string;
  json?: boolean;
}

/** 1 is a failed run, as for every command, and 2 a wrong command line: degraded has its own code. */
const EXIT = { healthy: 0, unreachable: 1, degraded: 3 } as const;

function ago(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 120) return ` (${seconds} s ago)`;
  if (seconds < 7200) return ` (${Math.round(seconds / 60)} min ago)`;
  return ` (${(seconds / 3600).toFixed(1)} h ago)`;
}

/** The status as text: one section per API, alarms not OK listed, the verdict last. */
export function formatStatus(s: StackStatus, roleArn?: string): string {
  const out: string[] = [`stack ${s.stack} (account ${s.account}, ${s.region})${roleArn ? ` as ${roleArn}` : ''}, ${s.checkedAt}`, '', 'Flink applications'];
  for (const f of s.flink) {
    if (f.status === undefined) {
      out.push(`  ${f.job.padEnd(13)} ${f.problem}`);
      continue;
    }
    const snapshot = f.latestSnapshot ? `latest snapshot ${f.latestSnapshot.name} (${f.latestSnapshot.status}${f.latestSnapshot.createdAt ? `, ${f.latestSnapshot.createdAt}` : ''})` : 'no snapshot';
    out.push(
      `  ${f.job.padEnd(13)} ${f.status.padEnd(9)} ${f.runtime ?? ''}  parallelism ${f.currentParallelism ?? '?'} (${f.parallelismPerKpu ?? '?'} per KPU, ${f.kpus ?? '?'} KPUs, autoscaling ${f.autoScaling ? 'on' : 'off'})  ${snapshot}`,
    );
  }
  out.push('', 'Lake tables');
  for (const t of s.tables)
    out.push(`  ${t.name.padEnd(13)} ${t.lastCommitAt ? `last commit ${t.lastCommitAt}${ago(t.ageSeconds)}` : ''}${t.problem ? `${t.lastCommitAt ? '; ' : ''}${t.problem}` : ''}`);
  out.push('', 'Workgroup');
  const w = s.workgroup;
  out.push(
    `  ${w.name} ${w.state ?? ''}${w.bytesScannedCutoffPerQuery !== undefined ? `, scan limit ${(w.bytesScannedCutoffPerQuery / 2 ** 30).toFixed(1)} GiB per query` : ''}${w.problem ? ` (${w.problem})` : ''}`,
  );
  const counts = new Map<string, number>();
  for (const a of s.alarms) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  out.push('', `Alarms (${s.alarms.length}): ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`);
  for (const a of s.alarms.filter((x) => x.state !== 'OK')) out.push(`  ${a.state.padEnd(17)} ${a.name}${a.reason ? `: ${a.reason}` : ''}`);
  out.push('', s.summary);
  return `${out.join('\n')}\n`;
}

/** `sluice status --stack <name>`: is the deployed stack healthy? Exit 0 healthy, 1 unreachable, 3 degraded. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("Show a deployed stack's health: Flink applications, lake tables, the Athena workgroup and every alarm; exit 0 healthy, 3 degraded, 1 unreachable")
    .requiredOption('-s, --stack <name>', 'stack to look at (account, region and roles come from Pulumi.<stack>.yaml)')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .option('--json', 'print the status as JSON (for scripts)')
    .addHelpText(
      'after',
      '\nCredentials come from the default AWS chain (environment, profile, SSO); the command then assumes\nsluice:account.readOnlyRoleArn, or the deploy role without one, and checks the account.\n\nExample:\n  sluice status --stack dev --json',
    )
    .action(async (opts: StatusOptions) => {
      const fail = (message: string) => {
        if (opts.json) process.stdout.write(`${JSON.stringify({ stack: opts.stack, verdict: 'unreachable', summary: message }, null, 2)}\n`);
        else process.stderr.write(`sluice status: ${message}\n`);
        process.exitCode = EXIT.unreachable;
      };
      // Loaded here, not at the top: `sluice --help` stays fast (cli/index.ts).
      const { loadStackFile } = require('../../stacks/file') as typeof import('../../stacks/file');
      const { ConfigError } = require('../../stacks/load') as typeof import('../../stacks/load');
      let config;
      try {
        config = loadStackFile(opts.stack, opts.dir);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = EXIT.unreachable;
        return;
      }
      // The AWS SDK loads only here, so `sluice --help` and the other commands stay fast.
      const { connectStack } = require('../../ops/connect') as typeof import('../../ops/connect');
      const { collectStatus, StatusUnreachable } = require('../../ops/status') as typeof import('../../ops/status');
      try {
        const { clients, roleArn } = await connectStack(config);
        const status = await collectStatus(config, clients);
        process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, roleArn));
        process.exitCode = EXIT[status.verdict];
      } catch (err) {
        if (err instanceof StatusUnreachable) return fail(err.message);
        const e = err as Error & { $metadata?: unknown };
        if (e.$metadata !== undefined || e.name === 'AccessDeniedException' || e.name === 'TimeoutError') {
          return fail(
            `AWS refused or did not answer (${e.name}: ${e.message}); check that ${config.account.readOnlyRoleArn ? 'the read-only role' : 'the deploy role'} may read Kinesis Analytics, Glue, Athena and CloudWatch`,
          );
        }
        throw err;
      }
    });
}
