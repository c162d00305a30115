import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StepEventMetadata, StepEventStateMetadata, UpdateSummary } from '@pulumi/pulumi/automation';
import type { PreviewStep, StepState, UpdateRecord } from '../core/promotion';
import type { StackOperations } from './promote';

/** Automation API history entry (times parsed to Date) to the shape `pulumi stack history --json` writes. */
export function recordFromSummary(s: UpdateSummary): UpdateRecord {
  const iso = (d: Date | string | undefined) => (d === undefined ? undefined : d instanceof Date ? d.toISOString() : d);
  return {
    version: s.version,
    kind: s.kind,
    startTime: iso(s.startTime)!,
    endTime: iso(s.endTime),
    result: s.result,
    message: s.message,
    config: Object.fromEntries(Object.entries(s.config ?? {}).map(([k, v]) => [k, { value: v.value, secret: v.secret }])),
  };
}

function state(m: StepEventStateMetadata | undefined): StepState | undefined {
  return m === undefined ? undefined : { type: m.type, urn: m.urn, inputs: m.inputs };
}

/** An engine event's step to the step `pulumi preview --json` writes (`keys` is `replaceReasons`, `diffs` is `diffReasons`). */
export function stepFromMetadata(m: StepEventMetadata): PreviewStep {
  return { op: m.op, urn: m.urn, oldState: state(m.old), newState: state(m.new), diffReasons: m.diffs, replaceReasons: m.keys };
}

/**
 * The Pulumi Automation API behind `StackOperations`: a local workspace on the repository, one
 * stack selected per call. It drives the Pulumi CLI, which must be installed where this runs (the
 * delivery workflow installs it); the module is loaded only when a command needs it. The policy
 * pack in `policy/` runs on every preview and update once it exists.
 */
export function automationStacks(workDir: string): StackOperations {
  const policyPacks = existsSync(join(workDir, 'policy', 'PulumiPolicy.yaml')) ? [join(workDir, 'policy')] : undefined;
  const select = async (stackName: string) => {
    const { LocalWorkspace } = require('@pulumi/pulumi/automation') as typeof import('@pulumi/pulumi/automation');
    return LocalWorkspace.selectStack({ stackName, workDir });
  };
  return {
    async history(stack) {
      return (await (await select(stack)).history()).map(recordFromSummary);
    },
    async preview(stack) {
      const steps: PreviewStep[] = [];
      const result = await (
        await select(stack)
      ).preview({
        policyPacks,
        onEvent: (event) => {
          if (event.resourcePreEvent) steps.push(stepFromMetadata(event.resourcePreEvent.metadata));
        },
      });
      return { steps, changeSummary: result.changeSummary as Record<string, number> };
    },
    async up(stack, onOutput) {
      const result = await (await select(stack)).up({ policyPacks, onOutput });
      return { result: result.summary.result };
    },
  };
}
