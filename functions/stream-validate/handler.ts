import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { reason } from '../../core/events/reasons';
import { createContext, stampIngestedAt, validateLine } from '../../core/events/validate';
import { ErrorZoneWriter } from '../ingest/error-zone';
import { errorLine, STREAM_SOURCE } from '../../core/error-zone';
import { emptyCounts, IngestCounts } from '../ingest/pipeline';
import { KinesisPublisher } from '../ingest/publisher';
import { HandlerDeps } from '../ingest/settings';
import { countIngest } from '../ingest/telemetry';

export { STREAM_SOURCE };

export interface StreamValidateSettings {
  eventsStream: { arn: string } | { name: string };
  lakeBucket: string;
  unknownEventNames: 'accept' | 'reject';
}

export type StreamValidateDeps = HandlerDeps<StreamValidateSettings>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A record's data as text, or its bytes when they are not UTF-8 (kept as `raw_base64` so nothing is lost). */
function recordText(record: KinesisStreamRecord): { text: string; bytes?: Buffer } {
  const bytes = Buffer.from(record.kinesis.data, 'base64');
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { text: '', bytes };
  }
}

/** What names a stream record across retries: its stream, shard and sequence number. */
const recordIdentity = (record: KinesisStreamRecord): string => `${record.eventSourceARN ?? ''}\n${record.eventID}`;

/**
 * The stream-validate function: validates and enriches each record of the `ingest` stream,
 * publishing valid events to `events` and invalid ones to the error zone, and answers with a
 * partial batch response. An invalid record is a success (it is in the error zone), so one bad
 * record never blocks its shard; only a record that could not be published or stored is
 * reported as failed, and Lambda retries from it.
 *
 * Records of one invocation share PutRecords calls and one error-zone object: Powertools starts
 * every record handler in the same tick, and the publisher and writer send what was queued on the
 * next one.
 */
export function createStreamValidateHandler(deps: StreamValidateDeps): (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse> {
  const { settings, logger, counters } = deps;
  const ctx = createContext({ source: STREAM_SOURCE, registry: deps.registry, unknownEventNames: settings.unknownEventNames });
  const now = deps.now ?? (() => new Date());
  const processor = new BatchProcessor(EventType.KinesisDataStreams);

  return async (event, context) => {
    if (event.Records.length === 0) return { batchItemFailures: [] };
    stampIngestedAt(ctx, now());
    const first = event.Records[0];
    const publisher = new KinesisPublisher({
      ...deps.publisher,
      client: deps.kinesis,
      stream: settings.eventsStream,
      onRetry: (entries, why) => logger.warn('retrying records Kinesis did not accept', { entries, reason: why }),
    });
    // One object per invalid record, named from the record itself: Lambda retries a batch from its
    // first failed record, and every retry, whatever its first record, rewrites the same objects.
    const errors = new ErrorZoneWriter({
      source: STREAM_SOURCE,
      date: new Date(first.kinesis.approximateArrivalTimestamp * 1000),
      maxObjectLines: 1,
      put: async (key, body) => {
        await deps.s3.send(new PutObjectCommand({ Bucket: settings.lakeBucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
      },
    });
    const counts: IngestCounts = emptyCounts();

    const handleRecord = async (record: KinesisStreamRecord): Promise<void> => {
      counts.records++;
      const origin = { source: STREAM_SOURCE, sequence_number: record.kinesis.sequenceNumber };
      const { text, bytes } = recordText(record);
      const result = bytes
        ? { ok: false as const, reasons: [reason('invalid_utf8', 'the record data is not valid UTF-8 text; "raw_base64" keeps its exact bytes; send UTF-8')] }
        : validateLine(text, ctx);
      if (result.ok) {
        counts.valid++;
        try {
          await publisher.deliver({ data: result.json, partitionKey: result.envelope.event_uuid });
        } catch (err) {
          // Kept beside the invalid records before Lambda is told: after the retries the stream's
          // retention ends, the error zone's does not (it outlives the on-failure queue).
          const why = reason(
            'undelivered',
            `valid, but not published to the events stream after every retry (${(err as Error).message}); Lambda retries the batch from this record, so it may also be in events`,
          );
          await errors.deliver(errorLine([why], origin, text), `${recordIdentity(record)}\nundelivered`);
          counters.count('RecordsUndelivered', 1);
          throw err;
        }
        return;
      }
      counts.invalid++;
      for (const code of new Set(result.reasons.map((r) => r.code))) counts.invalidByReason[code] = (counts.invalidByReason[code] ?? 0) + 1;
      await errors.deliver(errorLine(result.reasons, origin, bytes ?? text), recordIdentity(record));
    };

    try {
      const response = await processPartialResponse(event, handleRecord, processor, { context: context as Context, throwOnFullBatchFailure: false });
      if (response.batchItemFailures.length > 0) {
        logger.error('records not delivered, reported for retry', { failed: response.batchItemFailures.length, records: event.Records.length });
      }
      logger.info('batch validated', { records: counts.records, valid: counts.valid, invalid: counts.invalid, published: publisher.stats.published, errorKeys: errors.keys });
      return response as KinesisStreamBatchResponse;
    } finally {
      countIngest(counters, counts);
      counters.count('EventsPublished', publisher.stats.published);
      counters.count('RecordsRetried', publisher.stats.retried);
    }
  };
}
