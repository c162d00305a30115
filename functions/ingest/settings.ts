import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchemaRegistry } from '../../core/events/registry';
import type { KinesisSender, PublisherOptions } from './publisher';
import type { Counters } from './telemetry';
import { ReadFormat } from './reader';

/** Reads a required environment variable, failing with the name and the fix. */
export function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; it is set by infra/ingestion.ts on the function`);
  return value;
}

export function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`environment variable ${name} is "${value}"; expected one of ${allowed.join(', ')}`);
  return value as T;
}

export const FORMATS: readonly ReadFormat[] = ['jsonl', 'json-array', 'auto'];
export const UNKNOWN_EVENT_NAMES = ['accept', 'reject'] as const;

/** What both ingestion handlers are built from: their settings and the clients and services they use. */
export interface HandlerDeps<Settings> {
  settings: Settings;
  s3: Pick<S3Client, 'send'>;
  kinesis: KinesisSender;
  registry: SchemaRegistry;
  logger: Logger;
  counters: Counters;
  /** Retry timing and sleeping, for tests. */
  publisher?: Partial<Omit<PublisherOptions, 'client' | 'stream'>>;
  now?: () => Date;
}
