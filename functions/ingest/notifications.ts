import type { SNSEvent } from 'aws-lambda';

/** One object an S3 notification says was created. */
export interface CreatedObject {
  readonly bucket: string;
  /** The decoded key (S3 URL-encodes keys in notifications, with `+` for space). */
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  readonly sequencer?: string;
  /** When S3 recorded the event (ISO 8601). */
  readonly eventTime: string;
}

export interface NotificationContents {
  readonly objects: CreatedObject[];
  /** `s3:TestEvent` messages S3 sends when a notification is set up: nothing to ingest. */
  readonly testEvents: number;
  /** Records that are not object creations (deletions, other sources), with why they were skipped. */
  readonly skipped: string[];
}

/** Decodes a key as S3 writes it into notifications: URL-encoded, `+` for space. */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string; sequencer?: string } };
}

function fromS3Message(message: { Records?: S3Record[]; Event?: string }, out: { objects: CreatedObject[]; testEvents: number; skipped: string[] }): void {
  if (message.Event === 's3:TestEvent') {
    out.testEvents++;
    return;
  }
  if (!Array.isArray(message.Records)) {
    out.skipped.push('message has neither Records nor Event s3:TestEvent');
    return;
  }
  for (const r of message.Records) {
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (r.eventSource !== 'aws:s3' || !bucket || key === undefined) {
      out.skipped.push(`record from ${r.eventSource ?? 'an unknown source'} is not an S3 object event`);
      continue;
    }
    if (!r.eventName?.startsWith('ObjectCreated:')) {
      out.skipped.push(`${r.eventName} on s3://${bucket}/${key} is not an object creation`);
      continue;
    }
    const o = r.s3!.object!;
    out.objects.push({
      bucket,
      key: decodeS3Key(key),
      size: o.size,
      eTag: o.eTag,
      versionId: o.versionId,
      sequencer: o.sequencer,
      eventTime: r.eventTime ?? new Date(0).toISOString(),
    });
  }
}

/**
 * The objects an event names: an SNS event whose messages are S3 notifications (several records
 * per message, or the `s3:TestEvent`), or an S3 event delivered directly.
 */
export function createdObjects(event: SNSEvent | { Records: S3Record[] }): NotificationContents {
  const out = { objects: [] as CreatedObject[], testEvents: 0, skipped: [] as string[] };
  for (const record of event.Records as Array<Record<string, unknown>>) {
    if (record.EventSource === 'aws:sns') {
      const message = (record as unknown as SNSEvent['Records'][number]).Sns.Message;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        out.skipped.push(`SNS message ${JSON.stringify(message.slice(0, 60))} is not an S3 notification (not JSON)`);
        continue;
      }
      fromS3Message(parsed as { Records?: S3Record[]; Event?: string }, out);
    } else {
      fromS3Message({ Records: [record as S3Record] }, out);
    }
  }
  return out;
}
