/**
 * The local stand-in for the Kinesis client of the ingestion functions: a Kafka producer behind
 * the publisher's one client interface (`KinesisSender`), so the stream validator publishes to the
 * `events` topic through exactly the code that publishes to the `events` stream in the cloud
 * (batching within the PutRecords limits, retries, per-record outcomes).
 */
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { KinesisSender } from '../functions/ingest/publisher';

/** A Kafka send that failed as a whole; the publisher retries it like a throttled PutRecords. */
export class KafkaSendError extends Error {
  override readonly name = 'KafkaSendError';
  // Read by the publisher's isRetryable(): every Kafka send failure is worth another try here.
  readonly $retryable = {};
}

/** The topic a PutRecords target names: the stream name, or the last part of the stream ARN. */
export function topicOfTarget(input: { StreamName?: string; StreamARN?: string }): string {
  const name = input.StreamName ?? input.StreamARN?.split('/').pop();
  if (!name) throw new Error('PutRecords names no stream: set StreamName or StreamARN');
  return name;
}

export interface KafkaSender extends KinesisSender {
  close(): Promise<void>;
}

/**
 * A `KinesisSender` that produces each PutRecords call's records to the topic named by the target
 * stream, keyed by partition key (so an event keeps its partition, as it keeps its shard), with an
 * idempotent producer (a retried send does not write twice).
 */
export function kafkaSender(bootstrap: string, clientId = 'sluice-stream-validate'): KafkaSender {
  const producer = new Producer({ clientId, bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true, acks: -1 });
  return {
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const topic = topicOfTarget(command.input);
      const records = command.input.Records ?? [];
      try {
        await producer.send({
          messages: records.map((r) => ({ topic, key: r.PartitionKey, value: Buffer.from(r.Data ?? new Uint8Array()).toString('utf8') })),
        });
      } catch (err) {
        throw new KafkaSendError(`producing ${records.length} record(s) to Kafka topic ${topic} failed: ${(err as Error).message}`);
      }
      // A Kafka send succeeds or fails as a whole: no record is reported failed on its own.
      return { $metadata: {}, FailedRecordCount: 0, Records: records.map(() => ({})) };
    },
    close: () => producer.close(),
  };
}
