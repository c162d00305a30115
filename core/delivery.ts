/**
 * How long the ingestion's dead-letter and on-failure queues keep a message: SQS's maximum, time
 * to investigate and redrive. Every store such a message points at (the landing object and its
 * versions, the error zone's copies of undelivered input) must keep its data at least this long
 * plus a day, which the stack config check enforces.
 */
export const FAILURE_QUEUE_RETENTION_DAYS = 14;

/** The fewest days a store that a dead-letter message may point at keeps an object. */
export const MIN_POINTED_AT_RETENTION_DAYS = FAILURE_QUEUE_RETENTION_DAYS + 1;
