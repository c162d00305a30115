import { physicalName } from '../core/naming';
import type { SluiceConfig } from './types';

/**
 * AWS's name limits for the resources whose names the stack and source names go into
 * (IAM CreateRole, Lambda CreateFunction, S3 bucket naming rules, Firehose CreateDeliveryStream,
 * SQS CreateQueue, STS AssumeRole RoleSessionName, Kinesis RegisterStreamConsumer).
 */
export const NAME_LIMITS = {
  'IAM role': 64,
  'Lambda function': 64,
  'S3 bucket': 63,
  'Firehose delivery stream': 64,
  'SQS queue': 80,
  'STS role session': 64,
  'Kinesis stream': 128,
  'Managed Flink application': 128,
  'Kinesis stream consumer': 128,
} as const;

export type LimitedKind = keyof typeof NAME_LIMITS;

/** One physical name the program derives from config, the limit it must keep, and the key that drives it. */
export interface DerivedName {
  kind: LimitedKind;
  name: string;
  /** The config key whose value makes the name long: `stack` or a `sluice:` key. */
  key: string;
}

/**
 * Every physical name with a tight limit that the program derives from the stack name, the source
 * names and the access role names, spelled as infra/ spells them (tests/stacks/limits.test.ts runs
 * the program with the longest accepted names and checks every name it creates against the limits).
 */
export function derivedNames(cfg: Pick<SluiceConfig, 'stack' | 'account' | 'ingestion' | 'access'>): DerivedName[] {
  const stack = (kind: LimitedKind, ...parts: string[]): DerivedName => ({ kind, name: physicalName(cfg, ...parts), key: 'stack' });
  const names: DerivedName[] = [
    stack('S3 bucket', cfg.account.id, 'athena-results'),
    stack('IAM role', 'stream-validate'),
    stack('IAM role', 'table-optimizer'),
    stack('IAM role', 'lake-freshness'),
    stack('Lambda function', 'lake-freshness'),
    stack('Lambda function', 'events-by-type'),
    stack('Lambda function', 'stream-validate'),
    stack('IAM role', 'dedup-filter', 'flink'),
    stack('IAM role', 'delivery', 'archive'),
    stack('Firehose delivery stream', 'archive'),
    stack('SQS queue', 'stream-validate-failures'),
    stack('STS role session', 'deploy'),
    stack('Kinesis stream', 'aggregates'),
    stack('Managed Flink application', 'dedup-filter'),
  ];
  cfg.ingestion.sources.forEach((source, i) => {
    const key = `sluice:ingestion.sources[${i}].name`;
    names.push({ kind: 'IAM role', name: physicalName(cfg, 's3-ingest', source.name), key }, { kind: 'Lambda function', name: physicalName(cfg, 's3-ingest', source.name), key });
  });
  for (const side of ['producers', 'consumers'] as const) {
    cfg.access[side].forEach((entry, i) => {
      if (entry.role !== undefined) names.push({ kind: 'IAM role', name: physicalName(cfg, 'access', entry.role), key: `sluice:access.${side}[${i}].role` });
    });
  }
  return names;
}

/** Pulumi allows stack names that S3 and IAM do not: lower-case letters, digits and "-" are what every derived name accepts. */
export const STACK_NAME = /^[a-z][a-z0-9-]*$/;

/** One problem per derived name beyond its limit, naming the key that makes it long and the fix. */
export function nameLimitProblems(cfg: Pick<SluiceConfig, 'stack' | 'account' | 'ingestion' | 'access'>): string[] {
  if (!STACK_NAME.test(cfg.stack)) {
    return [`the stack name "${cfg.stack}" must start with a lower-case letter and hold only lower-case letters, digits and "-" (bucket and role names are made from it); rename the stack`];
  }
  // One message per key: the name that overshoots its limit the most says how much to cut.
  const worst = new Map<string, { derived: DerivedName; over: number }>();
  for (const derived of derivedNames(cfg)) {
    const over = derived.name.length - NAME_LIMITS[derived.kind];
    if (over > 0 && over > (worst.get(derived.key)?.over ?? 0)) worst.set(derived.key, { derived, over });
  }
  return [...worst.values()].map(({ derived, over }) => {
    const limit = NAME_LIMITS[derived.kind];
    const chars = `${over} character${over === 1 ? '' : 's'}`;
    const what = derived.key === 'stack' ? `the stack name "${cfg.stack}"` : derived.key;
    const fix = derived.key === 'stack' ? `use a stack name at least ${chars} shorter` : `shorten it (or the stack name) by at least ${chars}`;
    return `${what} makes the ${derived.kind} name ${derived.name} ${derived.name.length} characters long, over AWS's limit of ${limit}; ${fix}`;
  });
}
