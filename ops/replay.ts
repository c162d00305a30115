/**
 * Replays the raw archive into a stream: the archive's objects for a range of hours, in order,
 * each line as it was archived (byte for byte), through the ingestion code's publisher (batching,
 * Kinesis limits, retries). After each acknowledged batch a checkpoint file records how far it
 * got, so an interrupted replay resumes there: delivery is at least once, and at most one batch
 * is sent twice after a crash.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { archiveHourPrefix, etaSeconds, RateLimiter, replayHours, resumePosition, type ReplayCheckpoint, type ReplayRequest } from '../core/replay';
import type { PublishEntry } from '../functions/ingest/publisher';
import { readEvents } from '../functions/ingest/reader';
import type { ArchiveObject, ArchiveStore } from './archive';

/** Where replayed events go: the ingestion publisher (Kinesis) or any sink with the same two calls. */
export interface ReplaySink {
  add(entry: PublishEntry, done?: (error?: Error) => void): Promise<void>;
  /** Resolves when every added entry is acknowledged; rejects when any was given up. */
  flush(): Promise<void>;
}

export interface ReplayProgress {
  readonly objects: number;
  readonly objectsDone: number;
  readonly bytes: number;
  readonly bytesDone: number;
  readonly published: number;
  readonly skipped: number;
  readonly seconds: number;
  readonly etaSeconds?: number;
}

export interface ReplaySummary {
  readonly archive: string;
  readonly request: ReplayRequest;
  readonly objects: number;
  /** Lines read in this run (after the resume point). */
  readonly read: number;
  /** Events delivered, counting those of earlier interrupted runs of the same replay. */
  readonly published: number;
  /** Events of other types than `--event-type` asked for. */
  readonly skipped: number;
  /** Archive lines that are not JSON objects with an `event_uuid`: left in the archive, listed here. */
  readonly unreadable: { key: string; line: number }[];
  readonly resumed?: { key: string; line: number };
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export interface ReplayOptions {
  store: ArchiveStore;
  request: ReplayRequest;
  sink: ReplaySink;
  /** Events per second; unlimited when absent. */
  rate?: number;
  /** The checkpoint file: read to resume and rewritten after every batch; kept when the replay completes, so running it again sends nothing. */
  checkpointFile: string;
  /** Lines per acknowledged batch (and per checkpoint). Default 500, one PutRecords call's worth. */
  batchLines?: number;
  onProgress?: (progress: ReplayProgress) => void;
  /** Stops after the batch in flight, with the checkpoint written. */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The replay was stopped by its signal; the checkpoint says where to resume. */
export class ReplayInterrupted extends Error {}

function readCheckpoint(file: string): ReplayCheckpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReplayCheckpoint;
  } catch (err) {
    throw new Error(`checkpoint ${file} is not readable JSON (${(err as Error).message}); remove it to start anew`);
  }
}

function writeCheckpoint(file: string, checkpoint: ReplayCheckpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed, so a crash mid-write leaves the previous checkpoint intact.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(checkpoint)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The archive objects of a request's range, in hour order and key order within an hour. */
export async function archiveObjects(store: ArchiveStore, from: string, to: string): Promise<ArchiveObject[]> {
  const objects: ArchiveObject[] = [];
  for (const hour of replayHours(from, to)) objects.push(...(await store.list(archiveHourPrefix(hour))));
  return objects;
}

function envelopeOf(text: string): { uuid: string; type: unknown } | undefined {
  try {
    const event = JSON.parse(text) as { event_uuid?: unknown; event_type?: unknown };
    return typeof event?.event_uuid === 'string' ? { uuid: event.event_uuid, type: event.event_type } : undefined;
  } catch {
    return undefined;
  }
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  const objects = await archiveObjects(opts.store, opts.request.from, opts.request.to);
  const checkpoint = readCheckpoint(opts.checkpointFile);
  const start = resumePosition(
    objects.map((o) => o.key),
    opts.request,
    checkpoint,
    opts.checkpointFile,
  );
  const limiter = opts.rate === undefined ? undefined : new RateLimiter(opts.rate, now);
  const types = new Set(opts.request.eventTypes);
  const batchLines = opts.batchLines ?? 500;
  const totalBytes = objects.reduce((sum, o) => sum + o.size, 0);
  let bytesDone = objects.slice(0, start.index).reduce((sum, o) => sum + o.size, 0);
  let published = checkpoint?.published ?? 0;
  let skipped = checkpoint?.skipped ?? 0;
  let read = 0;
  const unreadable: { key: string; line: number }[] = [];

  const progress = (objectsDone: number) => {
    const seconds = (now() - started) / 1000;
    opts.onProgress?.({ objects: objects.length, objectsDone, bytes: totalBytes, bytesDone, published, skipped, seconds, etaSeconds: etaSeconds(bytesDone, totalBytes, seconds) });
  };

  for (let index = start.index; index < objects.length; index++) {
    const object = objects[index];
    const skipLines = index === start.index ? start.skipLines : 0;
    let inBatch = 0;
    let lastLine = skipLines;
    const commit = async () => {
      await opts.sink.flush();
      writeCheckpoint(opts.checkpointFile, { request: opts.request, key: object.key, line: lastLine, published, skipped });
      inBatch = 0;
      progress(index);
      if (opts.signal?.aborted) throw new ReplayInterrupted(`replay stopped at ${object.key} line ${lastLine}; run the same command again to resume from ${opts.checkpointFile}`);
    };
    for await (const record of readEvents(opts.store.read(object.key), { format: 'jsonl' })) {
      if (record.line <= skipLines) continue;
      read++;
      lastLine = record.line;
      const envelope = record.truncatedFrom === undefined ? envelopeOf(record.text) : undefined;
      if (envelope === undefined) unreadable.push({ key: object.key, line: record.line });
      else if (types.size > 0 && !types.has(String(envelope.type))) skipped++;
      else {
        const wait = limiter?.take(1) ?? 0;
        if (wait > 0) await sleep(wait);
        await opts.sink.add({ data: record.text, partitionKey: envelope.uuid });
        published++;
      }
      if (++inBatch >= batchLines) await commit();
    }
    await commit();
    bytesDone += object.size;
    progress(index + 1);
  }
  const seconds = (now() - started) / 1000;
  return {
    archive: opts.store.location,
    request: opts.request,
    objects: objects.length,
    read,
    published,
    skipped,
    unreadable,
    ...(checkpoint ? { resumed: { key: checkpoint.key, line: checkpoint.line } } : {}),
    seconds,
    eventsPerSecond: Math.round((published - (checkpoint?.published ?? 0)) / Math.max(seconds, 1e-9)),
  };
}
