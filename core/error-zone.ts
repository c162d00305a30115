/**
 * The error zone's record format and object keys, shared by the ingestion functions, the local
 * mode and the catalog: one definition, so every writer and reader agrees on them.
 */
import { createHash } from 'node:crypto';
import type { Reason } from './events/reasons';

/** Where an invalid event came from, written beside its reasons. */
export interface ErrorOrigin {
  /** The configured source name (file-drop source, or `stream`). */
  readonly source: string;
  readonly object_key?: string;
  readonly line?: number;
  readonly sequence_number?: string;
}

/** One error-zone record (DESIGN.md, "Event contract"): the reasons, where the event came from, and the event as received. */
export interface ErrorRecord {
  readonly error: ErrorOrigin & { readonly reasons: readonly string[] };
  /** The original text, or `raw_base64` (the exact bytes) when they are not UTF-8. */
  readonly raw?: string;
  readonly raw_base64?: string;
}

/**
 * One error-zone line: `{"error":{"reasons":[...],"source":...,"object_key"?,"line"?,"sequence_number"?},"raw":"<original text>"}`.
 * Reasons are the producer-facing messages; `raw` is the record exactly as received, or
 * `raw_base64` when its bytes are not UTF-8 text (given as a Buffer).
 */
export function errorLine(reasons: readonly Reason[] | readonly string[], origin: ErrorOrigin, raw: string | Uint8Array): string {
  const error: ErrorRecord['error'] = {
    reasons: reasons.map((r) => (typeof r === 'string' ? r : r.message)),
    source: origin.source,
    ...(origin.object_key !== undefined ? { object_key: origin.object_key } : {}),
    ...(origin.line !== undefined ? { line: origin.line } : {}),
    ...(origin.sequence_number !== undefined ? { sequence_number: origin.sequence_number } : {}),
  };
  const record: ErrorRecord = typeof raw === 'string' ? { error, raw } : { error, raw_base64: Buffer.from(raw).toString('base64') };
  return JSON.stringify(record);
}

/** Lake prefix of the error zone. */
export const ERRORS_PREFIX = 'errors/';

/** The source name of events that arrive on the ingest stream (file drops use their configured names). */
export const STREAM_SOURCE = 'stream';

/** The error-zone prefix of one source; each function may write only its own. */
export const errorZonePrefix = (source: string): string => `${ERRORS_PREFIX}source=${encodeURIComponent(source)}/`;

/**
 * Error-zone object key, partitioned by source and date (Hive style, for partition projection):
 * `errors/source=<source>/dt=<YYYY-MM-DD>/<name>[-<part>].jsonl`. `name` is derived from the
 * records the object holds (see {@link errorObjectName}), so processing the same records again
 * overwrites the same objects instead of adding copies.
 */
export function errorKey(source: string, date: Date | string, name: string, part?: number): string {
  const day = (typeof date === 'string' ? new Date(date) : date).toISOString().slice(0, 10);
  return `${errorZonePrefix(source)}dt=${day}/${name}${part === undefined ? '' : `-${String(part).padStart(5, '0')}`}.jsonl`;
}

/** A stable, key-safe name for what an object holds (the identities of its records). */
export function errorObjectName(...identity: string[]): string {
  return createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 32);
}
