import type { SluiceConfig } from '../stacks/types';

export const PROJECT = 'sluice';

/**
 * Physical AWS name of a resource: `sluice-<stack>-<parts...>`. Stack-qualified so dev and prod
 * never collide even when they share an account during a migration.
 */
export function physicalName(config: Pick<SluiceConfig, 'stack'>, ...parts: string[]): string {
  return [PROJECT, config.stack, ...parts].join('-');
}

/** The ARN of one of the stack's streams, known before the stream exists (the key policy names it). */
export function streamArn(config: Pick<SluiceConfig, 'stack' | 'account'>, stream: string): string {
  return `arn:aws:kinesis:${config.account.region}:${config.account.id}:stream/${physicalName(config, stream)}`;
}

/** Bucket names are global across all AWS accounts, so they carry the account id as well. */
export function bucketName(config: Pick<SluiceConfig, 'stack' | 'account'>, purpose: string): string {
  const name = physicalName(config, config.account.id, purpose);
  if (name.length > 63) {
    throw new Error(`bucket name ${name} is longer than S3's 63 characters; shorten the stack name "${config.stack}"`);
  }
  return name;
}

/** Tags on every resource: the stack's own tags, then project, stack and component, which they cannot override. */
export function tagsFor(config: Pick<SluiceConfig, 'stack' | 'tags'>, component: string): Record<string, string> {
  return { ...config.tags, project: PROJECT, stack: config.stack, component };
}

/** The Glue database of a stack; Athena names are simplest with lower-case letters, digits and `_`. */
export function glueDatabaseName(config: Pick<SluiceConfig, 'stack'>): string {
  return `sluice_${config.stack.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/** The analysts' Athena workgroup of a stack. */
export function workgroupName(config: Pick<SluiceConfig, 'stack'>): string {
  return physicalName(config, 'analysts');
}
