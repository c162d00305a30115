/**
 * Values of the stack config that pure code needs too, defined here so core/ does not import
 * stacks/ at run time; stacks/types.ts and stacks/schema.ts re-export them.
 */
import type { StreamName } from '../stacks/types';

export const STREAM_NAMES: readonly StreamName[] = ['ingest', 'events', 'processed', 'aggregates'];

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
