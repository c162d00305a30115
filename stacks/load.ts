import Ajv, { ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from 'fastest-levenshtein';
import { UserError } from '../core/user-error';
import { CONFIG_SCHEMA } from './schema';
import { nameLimitProblems } from './limits';
import { STREAM_NAMES, SluiceConfig, type KafkaSourceNetworkConfig, type ProcessingConfig } from './types';
import { FAILURE_QUEUE_RETENTION_DAYS, MIN_POINTED_AT_RETENTION_DAYS } from '../core/delivery';

export const NAMESPACE = 'sluice';

/** Thrown when a stack's configuration is invalid; `problems` holds every error found, one line each. */
export class ConfigError extends UserError {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(`stack "${stack}" has ${problems.length} configuration error${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'fix', schemaType: 'string' });

let compiled: ValidateFunction | undefined;

/** The stack schema's validator, compiled on first use: compiling costs more than a `--help` may take. */
function validator(): ValidateFunction {
  compiled ??= ajv.compile(CONFIG_SCHEMA);
  return compiled;
}

let processingDefaults: ProcessingConfig | undefined;

/**
 * The processing config of a stack that sets no `sluice:processing` key: the schema's defaults,
 * for runs without a stack (`sluice flink`, the benchmarks). The Flink runner has no defaults of
 * its own, so these are the only ones.
 */
export function defaultProcessingConfig(): ProcessingConfig {
  if (processingDefaults === undefined) {
    const value = {};
    const { default: _rootDefault, ...schema } = CONFIG_SCHEMA.properties.processing;
    if (!ajv.compile(schema)(value)) throw new Error('stacks/schema.ts: the processing defaults do not validate; fix the schema');
    processingDefaults = deepFreeze(value as ProcessingConfig);
  }
  return processingDefaults;
}

interface SchemaNode {
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  fix?: string;
  enum?: readonly unknown[];
  properties?: Record<string, unknown>;
}

/** `/streams/events/retentionHours` -> `sluice:streams.events.retentionHours`; `/ingestion/sources/0` -> `sluice:ingestion.sources[0]`. */
export function configKey(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (child !== undefined) parts.push(child);
  if (parts.length === 0) return `${NAMESPACE}:`;
  const [top, ...rest] = parts;
  return `${NAMESPACE}:${top}` + rest.map((p) => (/^[0-9]+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${show(value)}`;
}

const TYPE_WORDS: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean', object: 'a map', array: 'a list' };

function describeError(err: ErrorObject): string | undefined {
  const schema = (err.parentSchema ?? {}) as SchemaNode;
  const key = configKey(err.instancePath);
  const got = show(err.data);
  const useDefault = schema.default !== undefined ? ` or remove it to use ${show(schema.default)}` : '';
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return `${configKey(err.instancePath, missing)} is required but missing; add it to the stack's config file`;
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(schema.properties ?? {});
      const hint = known.length > 0 ? ` (did you mean ${configKey(err.instancePath, closest(extra, known))}?)` : '';
      return `${configKey(err.instancePath, extra)} is not a known key${hint}; correct its spelling or remove it`;
    }
    case 'type': {
      const expected = TYPE_WORDS[(err.params as { type: string }).type] ?? (err.params as { type: string }).type;
      const quoteHint = expected === 'a string' && typeof err.data === 'number' ? ' (quote it in YAML)' : '';
      return `${key} must be ${expected} (got ${typeName(err.data)}); change its value to ${expected}${quoteHint}`;
    }
    case 'minimum':
    case 'maximum': {
      const low = err.keyword === 'minimum';
      const range = schema.minimum !== undefined && schema.maximum !== undefined ? `between ${schema.minimum} and ${schema.maximum}` : low ? `at least ${schema.minimum}` : `at most ${schema.maximum}`;
      const action = schema.fix ?? (low ? 'raise it' : 'lower it');
      return `${key} must be ${range} (got ${got}); ${action}${useDefault}`;
    }
    case 'enum':
      return `${key} must be one of ${(schema.enum ?? []).map(show).join(', ')} (got ${got}); pick one of those${useDefault}`;
    case 'pattern':
      return `${key} must be ${schema.description ?? `a string matching ${(err.params as { pattern: string }).pattern}`} (got ${got}); ${schema.fix ?? 'correct the value'}`;
    case 'propertyNames':
      return undefined; // the nested `pattern` error on the same name carries the message
    case 'minItems': {
      const limit = (err.params as { limit: number }).limit;
      return `${key} must list at least ${limit} ${limit === 1 ? 'entry' : 'entries'}; add ${limit === 1 ? 'one' : 'them'}, or remove the key around it`;
    }
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties': {
      const limit = (err.params as { limit: number }).limit;
      const unit = err.keyword === 'maxLength' ? 'characters' : err.keyword === 'maxItems' ? 'entries' : 'keys';
      return `${key} must have at most ${limit} ${unit}; shorten it`;
    }
    case 'uniqueItems': {
      const { i, j } = err.params as { i: number; j: number };
      return `${key} lists the same value twice (entries ${Math.min(i, j)} and ${Math.max(i, j)}); remove the copy`;
    }
    default:
      return `${key} ${err.message ?? 'is invalid'}; correct the value`;
  }
}

function propertyNameError(err: ErrorObject): string | undefined {
  if (err.keyword !== 'pattern' || !err.schemaPath.includes('/propertyNames/')) return undefined;
  const name = (err as ErrorObject & { propertyName?: string }).propertyName ?? String(err.data);
  const schema = (err.parentSchema ?? {}) as SchemaNode;
  return `${configKey(err.instancePath, name)} has an invalid key: must be ${schema.description} (got ${show(name)}); ${schema.fix}`;
}

function accountOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::([0-9]{12}):/.exec(arn)?.[1];
}

/** Rules that span several keys, which JSON Schema cannot say with a readable message. */
function crossFieldProblems(stack: string, cfg: Omit<SluiceConfig, 'stack'>): string[] {
  const problems: string[] = [];
  const oidcAccount = cfg.pipeline.oidcRoleArn === undefined ? undefined : accountOfArn(cfg.pipeline.oidcRoleArn);
  if (oidcAccount !== undefined && oidcAccount !== cfg.account.id) {
    problems.push(`sluice:pipeline.oidcRoleArn must be a role in the stack's account ${cfg.account.id} (got a role in ${oidcAccount}); ` + `use the OIDC deploy role of account ${cfg.account.id}`);
  }
  if (cfg.pipeline.promoteFrom === stack) {
    problems.push(`sluice:pipeline.promoteFrom names the stack itself (${show(stack)}); name the stack releases come from, e.g. "dev", or remove it`);
  }
  const roleAccount = accountOfArn(cfg.account.deployRoleArn);
  if (roleAccount !== undefined && roleAccount !== cfg.account.id) {
    problems.push(
      `sluice:account.deployRoleArn must be a role in the stack's account ${cfg.account.id} (got a role in ${roleAccount}); ` +
        `use the deploy role of account ${cfg.account.id}, or correct sluice:account.id if the role is right`,
    );
  }
  const readOnly = cfg.account.readOnlyRoleArn;
  const readOnlyAccount = readOnly === undefined ? undefined : accountOfArn(readOnly);
  if (readOnlyAccount !== undefined && readOnlyAccount !== cfg.account.id) {
    problems.push(
      `sluice:account.readOnlyRoleArn must be a role in the stack's account ${cfg.account.id} (got a role in ${readOnlyAccount}); ` +
        `use a read-only role of account ${cfg.account.id}, or remove it so sluice status assumes the deploy role`,
    );
  }
  const archiveFloor = cfg.delivery.bufferingSeconds;
  if (cfg.alerts.archiveFreshnessSeconds <= archiveFloor) {
    problems.push(
      `sluice:alerts.archiveFreshnessSeconds must be greater than sluice:delivery.bufferingSeconds (${cfg.alerts.archiveFreshnessSeconds} <= ${archiveFloor}); ` +
        'Firehose holds records that long on purpose: raise archiveFreshnessSeconds or lower bufferingSeconds',
    );
  }
  if (cfg.alerts.budget.forecastPercent < cfg.alerts.budget.actualPercent) {
    problems.push(
      `sluice:alerts.budget.forecastPercent must be at least actualPercent (${cfg.alerts.budget.forecastPercent} < ${cfg.alerts.budget.actualPercent}); ` +
        'a forecast alert below the actual one fires before it and says nothing more: raise forecastPercent or lower actualPercent',
    );
  }
  for (const name of STREAM_NAMES) {
    const s = cfg.streams[name];
    if (s.capacityMode === 'PROVISIONED' && s.shardCount === undefined) {
      problems.push(`sluice:streams.${name}.shardCount is required when capacityMode is PROVISIONED; set it, or use capacityMode ON_DEMAND`);
    }
    if (s.capacityMode === 'ON_DEMAND' && s.shardCount !== undefined) {
      problems.push(`sluice:streams.${name}.shardCount must not be set when capacityMode is ON_DEMAND (got ${s.shardCount}); remove it, or use capacityMode PROVISIONED`);
    }
  }
  const sources = cfg.ingestion.sources;
  sources.forEach((src, i) => {
    sources.slice(0, i).forEach((earlier, j) => {
      if (earlier.name === src.name) {
        problems.push(`sluice:ingestion.sources[${i}].name repeats the name of sources[${j}] (${show(src.name)}); give each source its own name`);
      }
      if (src.prefix.startsWith(earlier.prefix) || earlier.prefix.startsWith(src.prefix)) {
        problems.push(
          `sluice:ingestion.sources[${i}].prefix overlaps sources[${j}].prefix (${show(src.prefix)} and ${show(earlier.prefix)}); ` +
            'S3 cannot route one object to two sources: use prefixes that do not contain each other',
        );
      }
    });
  });
  const kafka = cfg.sources.kafka;
  if (kafka !== undefined) {
    const region = kafka.clusterArn.split(':')[3];
    if (region !== cfg.account.region) {
      problems.push(
        `sluice:sources.kafka.clusterArn is in ${region}, not in the stack's region ${cfg.account.region}; ` +
          'the Flink application reaches the cluster through network interfaces in its own region: use a cluster of that region',
      );
    }
    problems.push(...kafkaNetworkProblems(kafka.network, cfg.account.region));
  }
  const lc = cfg.lake.lifecycle;
  if (lc.rawExpireDays <= lc.rawGlacierDays) {
    problems.push(`sluice:lake.lifecycle.rawExpireDays must be greater than rawGlacierDays (${lc.rawExpireDays} <= ${lc.rawGlacierDays}); ` + 'raise rawExpireDays or lower rawGlacierDays');
  }
  // A dead-letter message names a landing object (and version) or an error-zone copy of undelivered
  // input; the store must still hold it for as long as the message can be redriven.
  for (const field of ['landingExpireDays', 'noncurrentVersionExpireDays', 'errorsExpireDays'] as const) {
    if (lc[field] < MIN_POINTED_AT_RETENTION_DAYS) {
      problems.push(
        `sluice:lake.lifecycle.${field} is ${lc[field]} days, shorter than the ${FAILURE_QUEUE_RETENTION_DAYS}-day dead-letter queues whose messages point at those objects; ` +
          `set it to at least ${MIN_POINTED_AT_RETENTION_DAYS}`,
      );
    }
  }
  const whole = { stack, ...cfg } as SluiceConfig;
  problems.push(...accessProblems(whole), ...nameLimitProblems(whole));
  return problems;
}

/** An IPv4 CIDR block whose address has no bits set past its prefix. */
function cidrHostBitsProblem(cidr: string): string | undefined {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  if (value % size === 0) return undefined;
  const network = Math.floor(value / size) * size;
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
  return `${octets}/${prefix}`;
}

/**
 * The network of an MSK source: either an existing one (subnets and security groups, both) or a
 * new VPC, never both and never neither; a new VPC's block is a network address and its zones are
 * in the stack's region.
 */
function kafkaNetworkProblems(network: KafkaSourceNetworkConfig, region: string): string[] {
  const key = 'sluice:sources.kafka.network';
  const given = (['subnetIds', 'securityGroupIds'] as const).filter((k) => network[k] !== undefined);
  const vpc = network.newVpc;
  if (vpc !== undefined && given.length > 0) {
    return [
      `${key}.newVpc cannot be combined with ${given.map((k) => `${key}.${k}`).join(' and ')}: the application goes into a VPC created for it or into given subnets, not both; ` +
        'remove newVpc to use the given subnets, or remove subnetIds and securityGroupIds to create the VPC',
    ];
  }
  if (vpc === undefined && given.length === 0) {
    return [
      `${key} needs either subnetIds and securityGroupIds (subnets of an existing VPC that reaches the cluster, and security groups it accepts on port 9098) ` +
        'or newVpc (cidrBlock, availabilityZones: a VPC created for the application); add one of them',
    ];
  }
  if (vpc === undefined && given.length === 1) {
    const missing = given[0] === 'subnetIds' ? 'securityGroupIds' : 'subnetIds';
    return [`${key}.${missing} is required with ${key}.${given[0]}; add it, or replace both with newVpc to create a VPC`];
  }
  const problems: string[] = [];
  if (vpc !== undefined) {
    const network = cidrHostBitsProblem(vpc.cidrBlock);
    if (network !== undefined) {
      problems.push(`${key}.newVpc.cidrBlock ${show(vpc.cidrBlock)} has bits set past its prefix; use the network address ${show(network)}`);
    }
    vpc.availabilityZones.forEach((zone, i) => {
      if (!zone.startsWith(region) || zone.length !== region.length + 1) {
        problems.push(`${key}.newVpc.availabilityZones[${i}] ${show(zone)} is not a zone of the stack's region ${region}; use zones such as "${region}a", "${region}b"`);
      }
    });
  }
  return problems;
}

/**
 * Keys that were moved: a stack file still using one gets a message saying where it went, instead of
 * "not a known key". Each is removed from `data` so that it is reported once.
 */
function movedKeyProblems(data: Record<string, unknown>): string[] {
  const alerts = data.alerts as Record<string, unknown> | undefined;
  if (alerts === null || typeof alerts !== 'object' || !('kafka' in alerts)) return [];
  delete alerts.kafka;
  return [
    'sluice:alerts.kafka is no longer read: the consumer-lag alarms take the cluster name, topic and consumer group from sluice:sources.kafka, ' +
      'the MSK source dedup-filter reads; move the source to sluice:sources.kafka (clusterArn, bootstrapServers, topic, consumerGroup, network) ' +
      'and remove sluice:alerts.kafka (the threshold stays sluice:alerts.kafkaOffsetLag)',
  ];
}

/** Each account at most once per side, never the stack's own account, and each role name once. */
function accessProblems(cfg: SluiceConfig): string[] {
  const problems: string[] = [];
  const roles = new Map<string, string>();
  for (const side of ['producers', 'consumers'] as const) {
    const entries = cfg.access[side];
    entries.forEach((entry, i) => {
      const key = `sluice:access.${side}[${i}]`;
      const earlier = entries.findIndex((e) => e.account === entry.account);
      if (earlier < i) problems.push(`${key}.account repeats the account of ${side}[${earlier}] (${show(entry.account)}); merge the two entries`);
      if (entry.account === cfg.account.id) {
        problems.push(`${key}.account is the stack's own account ${entry.account}, whose principals get access through IAM in the account; remove the entry`);
      }
      if (entry.role !== undefined) {
        const other = roles.get(entry.role);
        if (other !== undefined) problems.push(`${key}.role repeats the role name of ${other} (${show(entry.role)}); give each entry its own role name`);
        else roles.set(entry.role, `${side}[${i}]`);
      }
    });
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates the `sluice:` values of one stack and returns the typed, frozen configuration with
 * defaults applied. `values` maps keys without the namespace (`streams`, `account`, ...) to their
 * parsed values. Throws a `ConfigError` listing every problem at once.
 */
export function loadStackConfig(stack: string, values: Readonly<Record<string, unknown>>): SluiceConfig {
  const data: Record<string, unknown> = structuredClone({ ...values });
  const problems: string[] = movedKeyProblems(data);
  const validate = validator();
  if (!validate(data)) {
    for (const err of validate.errors ?? []) {
      const message = propertyNameError(err) ?? describeError(err);
      if (message !== undefined && !problems.includes(message)) problems.push(message);
    }
  } else {
    problems.push(...crossFieldProblems(stack, data as unknown as Omit<SluiceConfig, 'stack'>));
  }
  if (problems.length > 0) throw new ConfigError(stack, problems);
  return deepFreeze({ stack, ...data } as unknown as SluiceConfig);
}

/**
 * Picks the `sluice:` keys out of a Pulumi config map (`sluice:streams` -> `streams`) and parses
 * the JSON text Pulumi uses for structured values. Keys of other namespaces are not ours.
 */
export function sluiceValues(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(config)) {
    const sep = fullKey.indexOf(':');
    if (sep < 0 || fullKey.slice(0, sep) !== NAMESPACE) continue;
    values[fullKey.slice(sep + 1)] = typeof raw === 'string' ? parseStructured(raw) : raw;
  }
  return values;
}

function parseStructured(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
