import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  currentRelease,
  evaluateGates,
  gatesBeforePreview,
  RELEASE_KEY,
  type GateResult,
  type PreviewDigest,
  type PromotionEvidence,
  type StackHealth,
  type Unavailable,
  type UpdateRecord,
} from '../core/promotion';
import { RELEASE_ID } from '../core/release';
import { ReleaseError, verifyRelease } from '../infra/release';
import { loadStackFile, loadStackText, pinRelease, stackFilePath } from '../stacks/file';
import { ConfigError } from '../stacks/load';
import type { SluiceConfig } from '../stacks/types';
import { UserError, type ExitCode } from '../core/user-error';

/** What promotion needs from Pulumi: implemented with the Automation API in ops/pulumi-automation.ts. */
export interface StackOperations {
  /** The stack's history, newest first, as `pulumi stack history --json` writes it. */
  history(stack: string): Promise<UpdateRecord[]>;
  /** A preview of the stack's program with its current config file, as `pulumi preview --json` writes it. */
  preview(stack: string): Promise<PreviewDigest>;
  /** Runs the update; resolves with its result (`succeeded`, `failed`). */
  up(stack: string, onOutput: (text: string) => void): Promise<{ result: string }>;
}

/** Reads a deployed stack's alarm and Flink application states (the operations status code). */
export type HealthReader = (config: SluiceConfig) => Promise<StackHealth>;

export interface PromoteOptions {
  /** Source stack; default the target's `sluice:pipeline.promoteFrom`. */
  from?: string;
  to: string;
  /** The release to promote; default the one the source's last update ran. An older one is a rollback. */
  release?: string;
  allowReplace: readonly string[];
  yes: boolean;
  dryRun: boolean;
  /** Repository root: the stack files, the program and `dist/releases` (default: this repository). */
  root: string;
  now?: Date;
}

export interface PromoteDeps {
  stacks: StackOperations;
  health: HealthReader;
  /** Asks the user to confirm; resolves false to stop. Not called with `--yes`. */
  confirm: (question: string) => Promise<boolean>;
  /** Progress and the update's output. */
  log: (text: string) => void;
}

export interface PromoteOutcome {
  from: string;
  to: string;
  release: string;
  gates: GateResult[];
  /** refused: a gate failed; dry-run: gates passed, nothing changed; declined: not confirmed; updated / failed: the update ran. */
  status: 'refused' | 'dry-run' | 'declined' | 'updated' | 'failed';
  /** The commands that carry the promotion out (printed with --dry-run). */
  commands: string[];
}

/**
 * Thrown when promotion cannot even start (no source, no release); the message says what to give.
 * A wrong command line (the same stack twice, a malformed release id, no source named) exits 2.
 */
export class PromotionError extends UserError {
  constructor(message: string, exitCode: ExitCode = 1) {
    super(message, exitCode);
    this.name = 'PromotionError';
  }
}

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | Unavailable> {
  try {
    return await run();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/spawn pulumi ENOENT/.test(text)) return { unavailable: `${what}: the Pulumi CLI is not installed (the Automation API runs it); install it and run again` };
    return { unavailable: `${what}: ${text.split('\n')[0]}` };
  }
}

function problemsOf(err: unknown): string[] {
  if (err instanceof ConfigError || err instanceof ReleaseError) return [...err.problems];
  throw err;
}

/** The commands a promotion runs, for `--dry-run` and for the record. */
export function promotionCommands(o: { from: string; to: string; release: string; allowReplace: readonly string[] }): string[] {
  const allow = o.allowReplace.map((urn) => ` --allow-replace '${urn}'`).join('');
  return [
    `npx sluice promote --from ${o.from} --to ${o.to} --release ${o.release}${allow} --yes`,
    `# which, after the gates, runs: pulumi config set ${RELEASE_KEY} ${o.release} --stack ${o.to} && pulumi up --stack ${o.to} --yes`,
  ];
}

/**
 * Promotes a release from one stack to another: collects the evidence, evaluates every gate
 * (core/promotion.ts), and only when all pass pins the release in the target's stack file and runs
 * the update. The target is previewed with the release pinned; a refusal or `--dry-run` puts the
 * stack file back as it was.
 */
export async function promote(options: PromoteOptions, deps: PromoteDeps): Promise<PromoteOutcome> {
  const { to, root } = options;
  const targetPath = stackFilePath(to, root);
  if (!existsSync(targetPath)) throw new PromotionError(`${targetPath} does not exist; --to must name a stack with a Pulumi.<stack>.yaml`);
  const original = readFileSync(targetPath, 'utf8');
  let targetNow: SluiceConfig | undefined;
  try {
    targetNow = loadStackFile(to, root);
  } catch (err) {
    problemsOf(err);
  }
  const from = options.from ?? targetNow?.pipeline.promoteFrom;
  if (from === undefined) throw new PromotionError(`no source stack: pass --from <stack>, or set sluice:pipeline.promoteFrom in ${targetPath}`, 2);
  if (from === to) throw new PromotionError(`--from and --to both name ${to}; promote from another stack`, 2);
  if (options.release !== undefined && !RELEASE_ID.test(options.release)) {
    throw new PromotionError(`--release ${JSON.stringify(options.release)} is not a release id (16 lower-case hex digits, as \`sluice release\` prints it)`, 2);
  }

  deps.log(`reading ${from}'s history`);
  const sourceHistory = await attempt(`pulumi stack history --stack ${from}`, () => deps.stacks.history(from));
  const release = options.release ?? (Array.isArray(sourceHistory) ? currentRelease(sourceHistory) : undefined);
  if (release === undefined) {
    throw new PromotionError(
      Array.isArray(sourceHistory)
        ? `${from}'s last update ran no release (no ${RELEASE_KEY} in its config); deploy a release to ${from} first (the delivery workflow does on main), or pass --release <id>`
        : `cannot tell which release ${from} runs (${(sourceHistory as Unavailable).unavailable}); pass --release <id>`,
    );
  }

  let releaseProblems: string[] = [];
  try {
    verifyRelease(release, root);
  } catch (err) {
    releaseProblems = problemsOf(err);
  }
  const pinned = pinRelease(original, release);
  let targetConfigProblems: string[] = [];
  try {
    loadStackText(to, targetPath, pinned);
  } catch (err) {
    targetConfigProblems = problemsOf(err);
  }
  deps.log(`reading ${from}'s alarms and Flink applications`);
  const sourceHealth = await attempt(`status of ${from}`, async () => deps.health(loadStackFile(from, root)));
  deps.log(`reading ${to}'s history`);
  const targetHistory = await attempt(`pulumi stack history --stack ${to}`, () => deps.stacks.history(to));
  const evidence: PromotionEvidence = {
    source: from,
    target: to,
    release,
    now: options.now ?? new Date(),
    soakMinutes: targetNow?.pipeline.soakMinutes ?? 60,
    sourceHistory,
    sourceHealth,
    releaseProblems,
    targetConfigProblems,
    targetHistory,
    allowReplace: options.allowReplace,
  };
  const commands = promotionCommands({ from, to, release, allowReplace: options.allowReplace });
  const early = evaluateGates(evidence);
  if (!gatesBeforePreview(early)) return { from, to, release, gates: early, status: 'refused', commands };

  writeFileSync(targetPath, pinned);
  let keepPin = false;
  try {
    deps.log(`previewing ${to} with ${RELEASE_KEY} = ${release}`);
    const targetPreview = await attempt(`pulumi preview --stack ${to}`, () => deps.stacks.preview(to));
    const gates = evaluateGates({ ...evidence, targetPreview });
    if (!gates.every((g) => g.passed)) return { from, to, release, gates, status: 'refused', commands };
    if (options.dryRun) return { from, to, release, gates, status: 'dry-run', commands };
    if (!options.yes && !(await deps.confirm(`Every gate passed. Update ${to} to release ${release}?`))) return { from, to, release, gates, status: 'declined', commands };
    keepPin = true;
    deps.log(`updating ${to} to release ${release}`);
    const { result } = await deps.stacks.up(to, deps.log);
    return { from, to, release, gates, status: result === 'succeeded' ? 'updated' : 'failed', commands };
  } finally {
    if (!keepPin) writeFileSync(targetPath, original);
  }
}
