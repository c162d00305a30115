import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SNSEvent } from 'aws-lambda';
import { createContext, stampIngestedAt } from '../../core/events/validate';
import { ErrorZoneWriter } from '../ingest/error-zone';
import { errorObjectName } from '../../core/error-zone';
import { CreatedObject, createdObjects } from '../ingest/notifications';
import { IngestCounts, ingestFile } from '../ingest/pipeline';
import { KinesisPublisher } from '../ingest/publisher';
import { ReadFormat } from '../ingest/reader';
import { HandlerDeps } from '../ingest/settings';
import { countIngest } from '../ingest/telemetry';

export interface S3IngestSettings {
  /** The file-drop source this function serves (name written into events and the error zone). */
  source: string;
  /** The source's key prefix in the landing bucket; keys outside it are not this function's. */
  prefix: string;
  format: ReadFormat;
  eventsStream: { arn: string } | { name: string };
  /** The lake bucket, whose `errors/` prefix is the error zone. */
  lakeBucket: string;
  unknownEventNames: 'accept' | 'reject';
}

export type S3IngestDeps = HandlerDeps<S3IngestSettings>;

export interface ObjectResult {
  readonly key: string;
  readonly counts: IngestCounts;
  readonly published: number;
  readonly retried: number;
  readonly errorKeys: readonly string[];
}

export interface S3IngestResult {
  readonly objects: ObjectResult[];
  readonly testEvents: number;
  readonly skipped: string[];
}

/**
 * The s3-ingest function: for each object an SNS-wrapped S3 notification names, streams the
 * object, publishes its valid events to the `events` stream and writes its invalid lines to the
 * error zone. Idempotent: the same object always yields the same records (same partition keys) and
 * the same error objects (keys derived from the object's identity), so a retry adds only copies the
 * processing stage removes. Any failure to read, publish or write fails the invocation, so the
 * asynchronous invocation is retried and finally lands in the dead-letter queue.
 */
export function createS3IngestHandler(deps: S3IngestDeps): (event: SNSEvent) => Promise<S3IngestResult> {
  const { settings, logger, counters } = deps;
  const ctx = createContext({ source: settings.source, registry: deps.registry, unknownEventNames: settings.unknownEventNames });
  const now = deps.now ?? (() => new Date());

  async function ingestObject(object: CreatedObject): Promise<ObjectResult | undefined> {
    if (!object.key.startsWith(settings.prefix)) {
      logger.warn('object outside the source prefix, not ingested', { bucket: object.bucket, key: object.key, prefix: settings.prefix });
      counters.count('ObjectsSkipped', 1);
      return undefined;
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      const out = await deps.s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, VersionId: object.versionId }));
      body = out.Body as AsyncIterable<Uint8Array>;
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || (err as Error).name === 'NoSuchVersion') {
        logger.warn('object no longer exists, nothing to ingest', { bucket: object.bucket, key: object.key });
        counters.count('ObjectsSkipped', 1);
        return undefined;
      }
      throw err;
    }
    stampIngestedAt(ctx, now());
    const identity = errorObjectName(object.bucket, object.key, object.versionId ?? object.eTag ?? object.sequencer ?? '');
    const publisher = new KinesisPublisher({
      ...deps.publisher,
      client: deps.kinesis,
      stream: settings.eventsStream,
      onRetry: (entries, reason) => logger.warn('retrying records Kinesis did not accept', { entries, reason, key: object.key }),
    });
    const errors = new ErrorZoneWriter({
      source: settings.source,
      date: object.eventTime,
      put: async (key, body) => {
        await deps.s3.send(new PutObjectCommand({ Bucket: settings.lakeBucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
      },
    });
    const counts = await ingestFile(body, {
      ctx,
      format: settings.format,
      objectKey: object.key,
      sinks: { publish: (entry) => publisher.add(entry), reject: (line, at) => errors.add(line, `${identity}\n${at}`) },
    });
    await publisher.flush();
    await errors.flush();
    countIngest(counters, counts);
    counters.count('EventsPublished', publisher.stats.published);
    counters.count('RecordsRetried', publisher.stats.retried);
    counters.count('ObjectsIngested', 1);
    const result = { key: object.key, counts, published: publisher.stats.published, retried: publisher.stats.retried, errorKeys: errors.keys };
    logger.info('object ingested', { bucket: object.bucket, ...result });
    return result;
  }

  return async (event) => {
    const contents = createdObjects(event);
    if (contents.testEvents > 0) {
      logger.info('s3:TestEvent received: the notification is set up', { count: contents.testEvents });
      counters.count('TestEvents', contents.testEvents);
    }
    for (const reason of contents.skipped) logger.warn('notification record skipped', { reason });
    const objects: ObjectResult[] = [];
    for (const object of contents.objects) {
      const result = await ingestObject(object);
      if (result) objects.push(result);
    }
    return { objects, testEvents: contents.testEvents, skipped: contents.skipped };
  };
}
