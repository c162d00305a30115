import type { StackHealth } from '../core/promotion';
import type { SluiceConfig } from '../stacks/types';
import { connectStack } from './connect';
import { collectStatus, type StackStatus } from './status';

/**
 * The promotion gate's view of `sluice status`: every alarm with its state (`MISSING` for one the
 * stack should have and does not) and each Flink application's status (`MISSING` when it does not exist).
 */
export function healthFromStatus(status: StackStatus): StackHealth {
  return {
    alarms: status.alarms.map((a) => ({ name: a.name, state: a.state })),
    applications: status.flink.map((f) => ({ name: f.name, status: f.status ?? 'MISSING' })),
  };
}

/**
 * The health reader `sluice promote` uses: the status code of `sluice status` (ops/status.ts through
 * ops/connect.ts, with the stack's read-only role, or its deploy role without one).
 */
export async function readStackHealth(config: SluiceConfig): Promise<StackHealth> {
  const { clients } = await connectStack(config);
  return healthFromStatus(await collectStatus(config, clients));
}
