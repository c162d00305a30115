import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SNSEvent } from 'aws-lambda';
import { createContext, stampIngestedAt } from '../../core/events/validate';
import { ErrorZoneWriter } from '../ingest/error-zone';
import { errorKey, errorLine, errorObjectName, errorZonePrefix } from '../../core/error-zone';
import { reason } from '../../core/events/reasons';
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
    let counts: IngestCounts;
    try {
      counts = await ingestFile(body, {
        ctx,
        format: settings.format,
        objectKey: object.key,
        sinks: { publish: (entry) => publisher.add(entry), reject: (line, at) => errors.add(line, `${identity}\n${at}`) },
      });
      await publisher.flush();
      await errors.flush();
    } catch (err) {
      await keepUndelivered(object, identity, err as Error);
      throw err;
    }
    countIngest(counters, counts);
    counters.count('EventsPublished', publisher.stats.published);
    counters.count('RecordsRetried', publisher.stats.retried);
    counters.count('ObjectsIngested', 1);
    const result = { key: object.key, counts, published: publisher.stats.published, retried: publisher.stats.retried, errorKeys: errors.keys };
    logger.info('object ingested', { bucket: object.bucket, ...result });
    return result;
  }

  /**
   * After a failure the object is copied into the error zone, with a line saying why, before the
   * invocation fails: the asynchronous retries and the dead-letter message then point at input
   * that the landing bucket's lifecycle may expire, but the copy lives as long as the error zone.
   * Copies sit under `undelivered/`, outside the `dt=` partitions the errors table reads.
   */
  async function keepUndelivered(object: CreatedObject, identity: string, failure: Error): Promise<void> {
    const copyKey = `${errorZonePrefix(settings.source)}undelivered/${identity}/${object.key.split('/').pop() || 'object'}`;
    try {
      await deps.s3.send(
        new CopyObjectCommand({
          Bucket: settings.lakeBucket,
          Key: copyKey,
          CopySource: `${object.bucket}/${encodeURIComponent(object.key)}${object.versionId ? `?versionId=${encodeURIComponent(object.versionId)}` : ''}`,
        }),
      );
      const why = reason('undelivered', `the object was not fully ingested (${failure.message}); it is retried and kept at s3://${settings.lakeBucket}/${copyKey}`);
      const line = errorLine([why], { source: settings.source, object_key: object.key }, '');
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: settings.lakeBucket,
          Key: errorKey(settings.source, object.eventTime, errorObjectName(identity, 'undelivered')),
          Body: `${line}\n`,
          ContentType: 'application/x-ndjson',
        }),
      );
      counters.count('ObjectsUndelivered', 1);
      logger.error('object not ingested, kept in the error zone', { key: object.key, copy: copyKey, reason: failure.message });
    } catch (err) {
      logger.error('object not ingested and could not be kept in the error zone; it stays in the landing bucket', { key: object.key, reason: failure.message, copyError: (err as Error).message });
    }
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
