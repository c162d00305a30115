import { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { backoffDelay, BackoffOptions, sleep } from './backoff';

/** Kinesis PutRecords limits: records per call, bytes per call, bytes per record (data + partition key). */
export const PUT_RECORDS_MAX_COUNT = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const RECORD_MAX_BYTES = 1024 * 1024;

/** Just the part of the Kinesis client the publisher uses, so tests can pass a fake or a wrapped client. */
export interface KinesisSender {
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
}

export interface PublishEntry {
  /** One enriched event, one line of JSON. */
  readonly data: string;
  /** The event's UUID: the same event always lands on the same shard, however often it is sent. */
  readonly partitionKey: string;
}

export interface PublisherOptions extends BackoffOptions {
  client: KinesisSender;
  /** The target stream's ARN (preferred) or name. */
  stream: { arn: string } | { name: string };
  /** Calls (first try included) before entries are given up. Default 8. */
  maxAttempts?: number;
  /** PutRecords calls in flight at once. Default 4. */
  concurrency?: number;
  /**
   * A call that has not answered after this long is abandoned (aborted) and retried like a
   * timeout, whatever the client's own timeouts. Default 15000.
   */
  callTimeoutMs?: number;
  /** Waits between retries; injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about every retry round: how many entries were sent again and why. */
  onRetry?: (entries: number, reason: string) => void;
}

/** Entries Kinesis still refused after every attempt. */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly failed: number,
  ) {
    super(message);
  }
}

export interface PublisherStats {
  /** Entries Kinesis accepted. */
  published: number;
  /** Entries sent again after a failure (an entry retried twice counts twice). */
  retried: number;
  /** Entries given up after the last attempt. */
  failed: number;
  /** PutRecords calls made. */
  calls: number;
}

interface Pending {
  entry: PublishEntry;
  bytes: number;
  done?: (error?: Error) => void;
}

// Errors worth another try: throttling, limits, transient service and network failures. A
// network error (refused, reset, hang-up, timeout) says nothing about whether the call reached
// Kinesis, so the entries are sent again: a copy is removed by dedup-filter, a loss is not.
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const NETWORK_MESSAGE = /socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT|timed? ?out|network/i;

export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    RETRYABLE.has(e.name ?? '') ||
    RETRYABLE.has(e.code ?? '') ||
    status >= 500 ||
    status === 429 ||
    e.$retryable !== undefined ||
    // No HTTP answer at all: the failure happened on the way.
    (status === 0 && NETWORK_MESSAGE.test(e.message ?? ''))
  );
}

class CallTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Publishes events to a Kinesis stream with PutRecords, in batches within the API's limits
 * (500 records, 5 MiB per call, 1 MiB per record), with up to `concurrency` calls in flight.
 * Only the entries a call reports as failed are sent again, after an exponential backoff with full
 * jitter; a call that fails as a whole (throttled, transient error) is retried the same way.
 */
export class KinesisPublisher {
  readonly stats: PublisherStats = { published: 0, retried: 0, failed: 0, calls: 0 };
  private batch: Pending[] = [];
  private batchBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: string[] = [];
  private flushScheduled = false;

  constructor(private readonly opts: PublisherOptions) {}

  /**
   * Queues an entry; resolves when the caller may add more (fewer than `concurrency` calls in
   * flight). `done` is told the entry's outcome once it is known.
   */
  async add(entry: PublishEntry, done?: (error?: Error) => void): Promise<void> {
    const bytes = Buffer.byteLength(entry.data) + Buffer.byteLength(entry.partitionKey);
    if (bytes > RECORD_MAX_BYTES) {
      const error = new PublishError(`record of ${bytes} bytes is above the Kinesis limit of ${RECORD_MAX_BYTES} bytes per record`, 1);
      this.stats.failed++;
      this.errors.push(error.message);
      done?.(error);
      return;
    }
    if (this.batch.length === PUT_RECORDS_MAX_COUNT || this.batchBytes + bytes > PUT_RECORDS_MAX_BYTES) this.cut();
    this.batch.push({ entry, bytes, done });
    this.batchBytes += bytes;
    if (this.batch.length === PUT_RECORDS_MAX_COUNT) this.cut();
    while (this.inFlight.size >= (this.opts.concurrency ?? 4)) await Promise.race(this.inFlight);
  }

  /**
   * Queues an entry and resolves when Kinesis has accepted it (rejects when it was given up).
   * Entries delivered in the same tick share PutRecords calls: the partial batch is sent on the
   * next turn of the event loop.
   */
  deliver(entry: PublishEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      void this.add(entry, (error) => (error ? reject(error) : resolve()));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.cut();
        });
      }
    });
  }

  /** Sends what is queued and waits for every call; throws a PublishError if any entry was given up. */
  async flush(): Promise<void> {
    this.cut();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    if (this.stats.failed > 0) {
      throw new PublishError(`${this.stats.failed} record(s) could not be published to Kinesis: ${[...new Set(this.errors)].slice(0, 5).join('; ')}`, this.stats.failed);
    }
  }

  private cut(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const call = this.send(batch).finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  private async send(entries: Pending[]): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 8;
    const wait = this.opts.sleep ?? sleep;
    const target = 'arn' in this.opts.stream ? { StreamARN: this.opts.stream.arn } : { StreamName: this.opts.stream.name };
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failedReason = '';
      let failed: Pending[];
      try {
        this.stats.calls++;
        const out = await this.call(new PutRecordsCommand({ ...target, Records: pending.map((p) => ({ Data: Buffer.from(p.entry.data), PartitionKey: p.entry.partitionKey })) }));
        const results = out.Records ?? [];
        failed = [];
        pending.forEach((p, i) => {
          const result = results[i];
          // An entry the answer leaves out is not known to be stored.
          const code = result === undefined ? 'MissingFromAnswer' : result.ErrorCode;
          if (code) {
            failed.push(p);
            failedReason ||=
              result === undefined ? `MissingFromAnswer: the PutRecords answer has ${results.length} entries for ${pending.length} records` : `${code}: ${result.ErrorMessage ?? ''}`.trim();
          } else {
            this.stats.published++;
            p.done?.();
          }
        });
      } catch (err) {
        if (!isRetryable(err)) {
          this.giveUp(pending, `PutRecords failed: ${(err as Error).name}: ${(err as Error).message}`);
          return;
        }
        failed = pending;
        failedReason = `${(err as Error).name}: ${(err as Error).message}`;
      }
      if (failed.length === 0) return;
      if (attempt >= maxAttempts) {
        this.giveUp(failed, `gave up after ${maxAttempts} attempts, last error ${failedReason}`);
        return;
      }
      this.stats.retried += failed.length;
      this.opts.onRetry?.(failed.length, failedReason);
      await wait(backoffDelay(attempt, this.opts));
      pending = failed;
    }
  }

  /** One PutRecords call, abandoned after `callTimeoutMs`. */
  private async call(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const limit = this.opts.callTimeoutMs ?? 15000;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new CallTimeout(`PutRecords did not answer within ${limit} ms`));
      }, limit);
    });
    try {
      return await Promise.race([this.opts.client.send(command, { abortSignal: abort.signal }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private giveUp(entries: Pending[], message: string): void {
    this.stats.failed += entries.length;
    this.errors.push(message);
    const error = new PublishError(message, entries.length);
    for (const p of entries) p.done?.(error);
  }
}
