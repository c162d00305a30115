/**
 * Why an event was rejected. `code` is stable (metrics dimension, generator kinds); `message`
 * names the field, what was wrong with it and what the producer should send instead.
 */
export type ReasonCode =
  | 'not_json'
  | 'not_object'
  | 'missing_field'
  | 'invalid_uuid'
  | 'invalid_event_name'
  | 'created_at_milliseconds'
  | 'invalid_created_at'
  | 'unknown_event_name'
  | 'schema_violation'
  | 'reserved_field_conflict'
  | 'invalid_cloudevent'
  | 'too_large'
  | 'unreadable_object'
  | 'beyond_reader_limits'
  | 'duplicate_key'
  | 'case_collision'
  | 'unreadable_text'
  | 'invalid_utf8'
  | 'undelivered';

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
}

export const reason = (code: ReasonCode, message: string): Reason => ({ code, message });

/** A value as it appears in a message: JSON, shortened so a huge field cannot flood the error zone. */
export function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
