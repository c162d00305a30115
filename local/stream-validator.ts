/**
 * The stream-validate function on one machine: consumes the `ingest` topic in batches, hands each
 * batch to the function's own handler (functions/stream-validate/handler.ts) as the Kinesis event
 * Lambda would deliver, and publishes through the handler's publisher to the `events` topic (its
 * Kinesis client swapped for a Kafka producer, local/kafka-sender.ts). Invalid records go to the
 * error zone as files in the lake's layout. Like Lambda's event source mapping with partial batch
 * responses, a batch's offsets are committed only once every record is delivered, and a batch
 * with failures is handed over again from its first failed record.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers, type Message } from '@platformatic/kafka';
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SchemaRegistry } from '../core/events/registry';
import type { ReasonCode } from '../core/events/reasons';
import type { Counters, IngestMetric } from '../functions/ingest/telemetry';
import { createStreamValidateHandler } from '../functions/stream-validate/handler';
import { kafkaSender } from './kafka-sender';

export const VALIDATOR_GROUP = 'sluice-stream-validate';

export interface ValidatorTotals {
  records: number;
  valid: number;
  invalid: number;
  invalidByReason: Partial<Record<ReasonCode, number>>;
  published: number;
  batches: number;
  /** Batches handed over again because some records were not delivered. */
  redelivered: number;
}

export interface StreamValidatorOptions {
  bootstrap: string;
  /** Where error-zone objects are written: the lake root (keys start with `errors/`). */
  lakeDir: string;
  registry: SchemaRegistry;
  unknownEventNames: 'accept' | 'reject';
  /** Records per batch handed to the handler, as the event source mapping's batch size. Default 500. */
  batchSize?: number;
  /** How long a partial batch waits for more records. Default 50 ms. */
  batchWindowMs?: number;
  logger?: Logger;
  /** Told after every delivered batch. */
  onBatch?: (totals: ValidatorTotals) => void;
}

export interface StreamValidator {
  readonly totals: ValidatorTotals;
  /** Stops after the batch in hand is delivered and committed; resolves when all is closed. */
  stop(): Promise<void>;
  /** Settles when the validator stops, rejecting if it failed. */
  readonly done: Promise<void>;
}

/** The Kinesis record Lambda would deliver for one Kafka message of `ingest`. */
export function asKinesisRecord(message: Message<string, string, string, string>, raw: Buffer): KinesisStreamRecord {
  const id = `${message.partition}-${message.offset}`;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: message.key ?? id,
      sequenceNumber: id,
      data: raw.toString('base64'),
      approximateArrivalTimestamp: Number(message.timestamp) / 1000,
    },
    eventSource: 'kafka',
    eventVersion: '1.0',
    eventID: `${message.topic}:${id}`,
    eventName: 'kafka:record',
    invokeIdentityArn: 'local',
    awsRegion: 'local',
    eventSourceARN: `kafka:${message.topic}`,
  };
}

/** An S3 client whose PutObject writes the object under `root`, for the error zone. */
function fileS3(root: string): { send(command: PutObjectCommand): Promise<object> } {
  return {
    async send(command) {
      const path = join(root, command.input.Key!);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, command.input.Body as string);
      return {};
    },
  };
}

/** The handler's metrics, added up (as CloudWatch would: a record handed over again counts again). */
function totalling(totals: ValidatorTotals): Counters {
  const fields: Partial<Record<IngestMetric, 'valid' | 'invalid' | 'published'>> = { EventsValid: 'valid', EventsInvalid: 'invalid', EventsPublished: 'published' };
  return {
    count(metric, value) {
      const field = fields[metric];
      if (field) totals[field] += value;
      if (metric === 'EventsValid' || metric === 'EventsInvalid') totals.records += value;
    },
    invalidByReason(code, value) {
      totals.invalidByReason[code] = (totals.invalidByReason[code] ?? 0) + value;
    },
  };
}

/** Starts consuming `ingest`; stop() ends it cleanly. */
export async function startStreamValidator(opts: StreamValidatorOptions): Promise<StreamValidator> {
  const logger = opts.logger ?? new Logger({ logLevel: 'SILENT' });
  const totals: ValidatorTotals = { records: 0, valid: 0, invalid: 0, invalidByReason: {}, published: 0, batches: 0, redelivered: 0 };
  const sender = kafkaSender(opts.bootstrap);
  const handler = createStreamValidateHandler({
    settings: { eventsStream: { name: 'events' }, lakeBucket: 'local', unknownEventNames: opts.unknownEventNames },
    s3: fileS3(opts.lakeDir) as never,
    kinesis: sender,
    registry: opts.registry,
    logger,
    counters: totalling(totals),
  });
  // Values are read as bytes: the handler itself decides what is not UTF-8.
  const consumer = new Consumer({
    clientId: 'sluice-stream-validate',
    groupId: VALIDATOR_GROUP,
    bootstrapBrokers: [opts.bootstrap],
    deserializers: { ...stringDeserializers, value: (v?: Buffer) => (v ?? Buffer.alloc(0)).toString('base64') },
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({
    topics: ['ingest'],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  const batchSize = opts.batchSize ?? 500;
  const buffer: Message<string, string, string, string>[] = [];
  let wake: (() => void) | undefined;
  let stopping = false;
  stream.on('data', (message: Message<string, string, string, string>) => {
    buffer.push(message);
    if (buffer.length >= batchSize * 4) stream.pause();
    wake?.();
  });
  const streamFailed = new Promise<never>((_, reject) => stream.on('error', reject));
  streamFailed.catch(() => undefined);

  const waitForRecords = (ms: number) =>
    new Promise<void>((resolveWait) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolveWait();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolveWait();
      };
    });

  async function deliver(batch: Message<string, string, string, string>[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const event: KinesisStreamEvent = { Records: pending.map((m) => asKinesisRecord(m, Buffer.from(m.value, 'base64'))) };
      const response = await handler(event);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      if (failed.size === 0) return;
      if (attempt >= 10) throw new Error(`${failed.size} record(s) of ingest could not be delivered after ${attempt} attempts; see the log above`);
      totals.redelivered++;
      // Lambda's rule for partial batch responses: start again from the first record reported.
      const first = pending.findIndex((m) => failed.has(`${m.partition}-${m.offset}`));
      pending = pending.slice(first);
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000)));
    }
  }

  async function run(): Promise<void> {
    while (!stopping) {
      if (buffer.length < batchSize) await Promise.race([waitForRecords(buffer.length === 0 ? 1_000 : (opts.batchWindowMs ?? 50)), streamFailed]);
      if (buffer.length === 0) continue;
      const batch = buffer.splice(0, batchSize);
      if (stream.isPaused() && buffer.length < batchSize) stream.resume();
      await deliver(batch);
      // The last record of each partition commits that partition's offset (the next to read).
      const lastOfPartition = new Map(batch.map((m) => [m.partition, m]));
      await Promise.all([...lastOfPartition.values()].map((m) => m.commit()));
      totals.batches++;
      opts.onBatch?.(totals);
    }
  }

  const done = run().finally(async () => {
    await Promise.resolve(stream.close()).catch(() => undefined);
    await Promise.resolve(consumer.close(true)).catch(() => undefined);
    await sender.close().catch(() => undefined);
  });
  done.catch(() => undefined);

  return {
    totals,
    async stop() {
      stopping = true;
      wake?.();
      await done;
    },
    done,
  };
}
