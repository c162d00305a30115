/**
 * The raw archive as a list of objects under `raw/dt=.../hour=.../`, read from the lake bucket in
 * S3 or from a local lake directory (as `sluice local` writes it). Replay and the archive check
 * read both through this one interface.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ArchiveObject {
  readonly key: string;
  readonly size: number;
}

export interface ArchiveStore {
  /** Where the archive is, for messages: `s3://bucket` or a directory. */
  readonly location: string;
  /** Objects under `prefix`, sorted by key. */
  list(prefix: string): Promise<ArchiveObject[]>;
  read(key: string): AsyncIterable<Uint8Array>;
}

export function s3Archive(client: Pick<S3Client, 'send'>, bucket: string): ArchiveStore {
  return {
    location: `s3://${bucket}`,
    async list(prefix) {
      const objects: ArchiveObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) objects.push({ key: o.Key, size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async *read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      yield* object.Body as AsyncIterable<Uint8Array>;
    },
  };
}

/** A local lake directory: the archive is `<dir>/raw/...`. */
export function directoryArchive(dir: string): ArchiveStore {
  const walk = (path: string, key: string, out: ArchiveObject[]) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      const childKey = `${key}${entry.name}`;
      if (entry.isDirectory()) walk(child, `${childKey}/`, out);
      else if (entry.isFile()) out.push({ key: childKey, size: statSync(child).size });
    }
  };
  return {
    location: dir,
    async list(prefix) {
      const objects: ArchiveObject[] = [];
      const path = join(dir, prefix);
      if (existsSync(path)) walk(path, prefix, objects);
      return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    read(key) {
      return createReadStream(join(dir, key));
    },
  };
}
