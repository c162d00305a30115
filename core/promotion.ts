/**
 * Promotion gates: whether a release may move from one stack to another, decided from recorded
 * evidence only (stack history and preview in the shapes `pulumi stack history --json` and
 * `pulumi preview --json` write, the source stack's health, the target's config check). Pure: the
 * evidence is collected by ops/promote.ts.
 */

/** The config key that names a stack's release. */
export const RELEASE_KEY = 'sluice:release';

/** One entry of `pulumi stack history --json` (newest first); times are ISO-8601 text. */
export interface UpdateRecord {
  readonly version?: number;
  /** update, preview, refresh, destroy, import, ... */
  readonly kind: string;
  readonly startTime: string;
  readonly endTime?: string;
  /** succeeded, failed, in-progress, not-started */
  readonly result?: string;
  readonly message?: string;
  readonly config?: Readonly<Record<string, { readonly value?: string; readonly secret?: boolean }>>;
}

/** A resource state inside a preview step (`apitype.ResourceV3`): only what the gates read. */
export interface StepState {
  readonly type?: string;
  readonly urn?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
}

/** One step of `pulumi preview --json` (`display.PreviewStep`). */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: StepState;
  readonly newState?: StepState;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
}

/** The document `pulumi preview --json` writes (`display.PreviewDigest`). */
export interface PreviewDigest {
  readonly steps?: readonly PreviewStep[];
  readonly changeSummary?: Readonly<Record<string, number>>;
}

/** A stack's health as the operations status code reports it: the gate input for alarms and applications. */
export interface StackHealth {
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
  readonly applications: readonly { readonly name: string; readonly status: string }[];
}

/** Something the collector could not get: the gate that needed it fails with this reason. */
export interface Unavailable {
  readonly unavailable: string;
}

export interface PromotionEvidence {
  readonly source: string;
  readonly target: string;
  /** The release being promoted. */
  readonly release: string;
  readonly now: Date;
  /** The target's `sluice:pipeline.soakMinutes`. */
  readonly soakMinutes: number;
  readonly sourceHistory: readonly UpdateRecord[] | Unavailable;
  readonly sourceHealth: StackHealth | Unavailable;
  /** Problems of the release against the working tree (`verifyRelease`); empty when it matches. */
  readonly releaseProblems: readonly string[];
  /** Problems of the target's config with the release pinned; empty when it validates. */
  readonly targetConfigProblems: readonly string[];
  readonly targetHistory: readonly UpdateRecord[] | Unavailable;
  /** Absent when the preview was not run because an earlier gate already failed. */
  readonly targetPreview?: PreviewDigest | Unavailable;
  /** URNs `--allow-replace` names. */
  readonly allowReplace: readonly string[];
}

export type GateName = 'release-matches-tree' | 'source-ran-release' | 'soak-time' | 'source-healthy' | 'target-config-valid' | 'target-idle' | 'no-stateful-loss';

export interface GateResult {
  readonly gate: GateName;
  readonly passed: boolean;
  /** What was looked at and what it showed; on failure, also what to do. */
  readonly evidence: string;
}

function isUnavailable<T>(value: T | Unavailable): value is Unavailable {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}

/** The release an update ran with, from the config it recorded. */
export function releaseOf(update: UpdateRecord): string | undefined {
  return update.config?.[RELEASE_KEY]?.value;
}

function describeUpdate(u: UpdateRecord): string {
  return `update${u.version === undefined ? '' : ` #${u.version}`} of ${u.startTime} (${u.result ?? 'no result'}, release ${releaseOf(u) ?? 'none'})`;
}

/** The stack's updates, newest first (history is newest first; the sort keeps it so if it was not). */
function updatesOf(history: readonly UpdateRecord[]): UpdateRecord[] {
  return history.filter((u) => u.kind === 'update').sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime) || (b.version ?? 0) - (a.version ?? 0));
}

function sourceRanRelease(e: PromotionEvidence): GateResult {
  const gate = 'source-ran-release';
  if (isUnavailable(e.sourceHistory)) return { gate, passed: false, evidence: `${e.source} history unavailable: ${e.sourceHistory.unavailable}` };
  const updates = updatesOf(e.sourceHistory);
  const latest = updates[0];
  if (latest === undefined) return { gate, passed: false, evidence: `${e.source} has never been updated; deploy release ${e.release} to ${e.source} first` };
  if (releaseOf(latest) === e.release) {
    return latest.result === 'succeeded'
      ? { gate, passed: true, evidence: `${e.source}'s last ${describeUpdate(latest)}` }
      : { gate, passed: false, evidence: `${e.source}'s last ${describeUpdate(latest)} did not succeed; fix ${e.source} and update it successfully before promoting` };
  }
  if (latest.result === 'in-progress') return { gate, passed: false, evidence: `${e.source} is being updated now (${describeUpdate(latest)}); wait for it to finish` };
  const earlier = updates.find((u) => releaseOf(u) === e.release && u.result === 'succeeded');
  if (earlier === undefined) {
    return { gate, passed: false, evidence: `${e.source} never ran release ${e.release} successfully (its last is ${describeUpdate(latest)}); deploy it to ${e.source} first` };
  }
  return {
    gate,
    passed: true,
    evidence: `rollback: ${e.source} now runs ${releaseOf(latest) ?? 'no release'} (${describeUpdate(latest)}); release ${e.release} succeeded there in ${describeUpdate(earlier)}`,
  };
}

function minutes(ms: number): string {
  return `${Math.floor(ms / 60000)} min`;
}

/**
 * How long the source ran the release: from the end of the first successful update of its latest
 * unbroken run on that release, until the next update started (or now, while it still runs it).
 */
function soakTime(e: PromotionEvidence): GateResult {
  const gate = 'soak-time';
  if (isUnavailable(e.sourceHistory)) return { gate, passed: false, evidence: `${e.source} history unavailable: ${e.sourceHistory.unavailable}` };
  const updates = updatesOf(e.sourceHistory);
  const lastOnRelease = updates.findIndex((u) => releaseOf(u) === e.release && u.result === 'succeeded');
  if (lastOnRelease < 0) return { gate, passed: false, evidence: `${e.source} never ran release ${e.release} successfully` };
  let first = lastOnRelease;
  while (first + 1 < updates.length && releaseOf(updates[first + 1]!) === e.release) first += 1;
  const started = updates
    .slice(lastOnRelease, first + 1)
    .reverse()
    .find((u) => u.result === 'succeeded' && u.endTime !== undefined);
  if (started === undefined) return { gate, passed: false, evidence: `${e.source}'s updates on release ${e.release} record no end time` };
  const next = updates[lastOnRelease - 1];
  const until = next === undefined ? e.now.getTime() : Date.parse(next.startTime);
  const ran = until - Date.parse(started.endTime!);
  const need = e.soakMinutes * 60000;
  const span = `${e.source} ran release ${e.release} for ${minutes(ran)} (since ${started.endTime}${next === undefined ? '' : `, until ${next.startTime}`}); the soak time is ${e.soakMinutes} min`;
  return ran >= need ? { gate, passed: true, evidence: span } : { gate, passed: false, evidence: `${span}; wait ${Math.ceil((need - ran) / 60000)} min more` };
}

function sourceHealthy(e: PromotionEvidence): GateResult {
  const gate = 'source-healthy';
  if (isUnavailable(e.sourceHealth)) return { gate, passed: false, evidence: `${e.source} status unavailable: ${e.sourceHealth.unavailable}` };
  const { alarms, applications } = e.sourceHealth;
  if (applications.length === 0) return { gate, passed: false, evidence: `${e.source} reports no Flink applications: the stack is not deployed or the status reader sees the wrong account` };
  const badAlarms = alarms.filter((a) => a.state !== 'OK');
  const badApps = applications.filter((a) => a.status !== 'RUNNING');
  const seen = `${alarms.length} alarm${alarms.length === 1 ? '' : 's'}, ${applications.length} Flink application${applications.length === 1 ? '' : 's'}`;
  if (badAlarms.length === 0 && badApps.length === 0) return { gate, passed: true, evidence: `${e.source}: ${seen}; every alarm OK, every application RUNNING` };
  const what = [...badAlarms.map((a) => `alarm ${a.name} is ${a.state}`), ...badApps.map((a) => `application ${a.name} is ${a.status}`)];
  return { gate, passed: false, evidence: `${e.source}: ${what.join('; ')} (of ${seen}); resolve them (npx sluice status --stack ${e.source}) before promoting` };
}

/** Resource types whose replacement or deletion loses data or state. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  'aws:kinesis/stream:Stream': 'Kinesis stream (its records)',
  'aws:s3/bucket:Bucket': 'S3 bucket (its objects)',
  'aws:s3/bucketV2:BucketV2': 'S3 bucket (its objects)',
  'aws:glue/catalogDatabase:CatalogDatabase': 'Glue database (its tables)',
  'aws:glue/catalogTable:CatalogTable': 'Glue table (its metadata and Iceberg snapshots)',
  'aws:kms/key:Key': 'KMS key (everything encrypted with it)',
  'aws:kinesisanalyticsv2/application:Application': 'Flink application (its snapshots and running state)',
};

const FLINK_APP = 'aws:kinesisanalyticsv2/application:Application';

/** The resource type of a URN: `urn:pulumi:<stack>::<project>::<parent$>type::<name>`. */
export function typeOfUrn(urn: string): string {
  const parts = urn.split('::');
  const chain = parts[2] ?? '';
  return chain.split('$').pop() ?? chain;
}

function restoreType(state: StepState | undefined): unknown {
  const inputs = state?.inputs as { applicationConfiguration?: { runConfiguration?: { applicationRestoreConfiguration?: { applicationRestoreType?: unknown } } } } | undefined;
  return inputs?.applicationConfiguration?.runConfiguration?.applicationRestoreConfiguration?.applicationRestoreType;
}

/** Why a step loses stateful data, or undefined when it does not. */
export function stateLoss(step: PreviewStep): string | undefined {
  const type = step.newState?.type ?? step.oldState?.type ?? typeOfUrn(step.urn);
  const what = STATEFUL_TYPES[type];
  if (what === undefined) return undefined;
  const reasons = step.replaceReasons?.length ? ` (replaced because of ${step.replaceReasons.join(', ')})` : '';
  switch (step.op) {
    case 'replace':
    case 'create-replacement':
    case 'delete-replaced':
    case 'import-replacement':
      return `${step.op} of ${what}${reasons}`;
    case 'delete':
      return `delete of ${what}`;
    case 'update':
      if (type === FLINK_APP && restoreType(step.newState) === 'SKIP_RESTORE_FROM_SNAPSHOT') {
        return `update of ${what} that starts without its snapshot (SKIP_RESTORE_FROM_SNAPSHOT)`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function noStatefulLoss(e: PromotionEvidence): GateResult {
  const gate = 'no-stateful-loss';
  if (e.targetPreview === undefined) return { gate, passed: false, evidence: `preview of ${e.target} not run: an earlier gate failed` };
  if (isUnavailable(e.targetPreview)) return { gate, passed: false, evidence: `preview of ${e.target} failed: ${e.targetPreview.unavailable}` };
  const steps = e.targetPreview.steps ?? [];
  const losses = new Map<string, string>();
  for (const step of steps) {
    const loss = stateLoss(step);
    if (loss !== undefined && !losses.has(step.urn)) losses.set(step.urn, loss);
  }
  const allowed = [...losses.keys()].filter((urn) => e.allowReplace.includes(urn));
  const blocked = [...losses.entries()].filter(([urn]) => !e.allowReplace.includes(urn));
  const unused = e.allowReplace.filter((urn) => !losses.has(urn));
  const summary = Object.entries(e.targetPreview.changeSummary ?? {})
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const notes = [
    `preview of ${e.target}: ${steps.length} steps${summary === '' ? '' : ` (${summary})`}`,
    ...allowed.map((urn) => `allowed by --allow-replace: ${losses.get(urn)} ${urn}`),
    ...unused.map((urn) => `--allow-replace ${urn} matches no replacement or deletion of a stateful resource`),
  ];
  if (blocked.length === 0) return { gate, passed: true, evidence: [...notes, allowed.length === 0 ? 'no stateful resource replaced or deleted' : ''].filter((n) => n !== '').join('; ') };
  return {
    gate,
    passed: false,
    evidence: [...notes, ...blocked.map(([urn, loss]) => `${loss}: ${urn}`), 'pass --allow-replace <urn> for each one only if losing it is intended'].join('; '),
  };
}

function targetIdle(e: PromotionEvidence): GateResult {
  const gate = 'target-idle';
  if (isUnavailable(e.targetHistory)) return { gate, passed: false, evidence: `${e.target} history unavailable: ${e.targetHistory.unavailable}` };
  const latest = [...e.targetHistory].sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime))[0];
  if (latest === undefined) return { gate, passed: true, evidence: `${e.target} has no history yet (first deploy)` };
  if (latest.result === 'in-progress' || latest.result === 'not-started') {
    return {
      gate,
      passed: false,
      evidence: `${e.target} is mid-${latest.kind}: ${describeUpdate(latest)}; wait for it, or if it was interrupted run \`pulumi cancel\` / \`pulumi stack export | import\` to clear pending operations`,
    };
  }
  return { gate, passed: true, evidence: `${e.target}'s last operation is a finished ${latest.kind} (${latest.result}, ${latest.startTime})` };
}

function problemsGate(gate: GateName, problems: readonly string[], ok: string): GateResult {
  return problems.length === 0 ? { gate, passed: true, evidence: ok } : { gate, passed: false, evidence: problems.join('; ') };
}

/** Every gate, in the order they are reported; a promotion goes ahead only when all pass. */
export function evaluateGates(e: PromotionEvidence): GateResult[] {
  return [
    problemsGate('release-matches-tree', e.releaseProblems, `release ${e.release}: every artifact and source file matches the working tree`),
    sourceRanRelease(e),
    soakTime(e),
    sourceHealthy(e),
    problemsGate('target-config-valid', e.targetConfigProblems, `${e.target}'s config validates with ${RELEASE_KEY} = ${e.release}`),
    targetIdle(e),
    noStatefulLoss(e),
  ];
}

/** The gates that must pass before the target is previewed (the preview runs the target's program). */
export function gatesBeforePreview(results: readonly GateResult[]): boolean {
  return results.filter((r) => r.gate !== 'no-stateful-loss').every((r) => r.passed);
}

/** The release a forward promotion moves: the one the source's last update ran. */
export function currentRelease(history: readonly UpdateRecord[]): string | undefined {
  const latest = updatesOf(history)[0];
  return latest === undefined ? undefined : releaseOf(latest);
}
