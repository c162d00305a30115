/**
 * The producers of the local streaming mode: lines (generated or read from a file) put on the
 * `ingest` topic at a given rate, as other teams' producers put records on the ingest stream.
 */
import { Producer, stringSerializers } from '@platformatic/kafka';

export interface ProduceOptions {
  bootstrap: string;
  lines: Iterable<string> | AsyncIterable<string>;
  /** Lines per second; 0 or undefined means as fast as the broker takes them. */
  ratePerSecond?: number;
  topic?: string;
  /** Told after each sent batch with the lines sent so far. */
  onProgress?: (sent: number) => void;
  /** Stops producing early when aborted; the lines sent so far stay sent. */
  signal?: AbortSignal;
  /** Told the time (ms, performance.now() clock) each line is sent, for latency measurements. */
  onSent?: (line: string, sentAtMs: number) => void;
}

/** Batches of this many lines share one produce request. */
const BATCH = 200;

/** Sends every line to `ingest` (one Kafka record per line, no key); resolves with the count sent. */
export async function produceLines(opts: ProduceOptions): Promise<number> {
  const producer = new Producer({ clientId: 'sluice-local-producer', bootstrapBrokers: [opts.bootstrap], serializers: stringSerializers, idempotent: true, acks: -1 });
  const topic = opts.topic ?? 'ingest';
  const rate = opts.ratePerSecond ?? 0;
  // At a low rate a batch is what is due in 50 ms, so records leave spread over each second.
  const batchSize = rate > 0 ? Math.max(1, Math.min(BATCH, Math.round(rate / 20))) : BATCH;
  const started = performance.now();
  let sent = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    if (rate > 0) {
      const due = started + ((sent + batch.length) / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const at = performance.now();
    await producer.send({ messages: batch.map((value) => ({ topic, value })) });
    for (const line of batch) opts.onSent?.(line, at);
    sent += batch.length;
    batch = [];
    opts.onProgress?.(sent);
  };
  try {
    for await (const line of opts.lines) {
      if (opts.signal?.aborted) break;
      batch.push(line);
      if (batch.length >= batchSize) await flush();
    }
    if (!opts.signal?.aborted) await flush();
  } finally {
    await producer.close();
  }
  return sent;
}
