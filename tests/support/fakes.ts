import { Logger } from '@aws-lambda-powertools/logger';
import { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ReasonCode } from '../../core/events/reasons';
import { Counters, IngestMetric } from '../../functions/ingest/telemetry';

export const AWS_FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'aws-events');
/** A payload from ../shared/fixtures/aws-events, parsed afresh for each use. */
export const awsFixture = <T = any>(name: string): T => JSON.parse(readFileSync(join(AWS_FIXTURES, name), 'utf8')) as T;

export const silentLogger = (): Logger => new Logger({ logLevel: 'SILENT' });

/** Counters that remember what was counted. */
export class RecordingCounters implements Counters {
  readonly totals: Partial<Record<IngestMetric, number>> = {};
  readonly byReason: Partial<Record<ReasonCode, number>> = {};
  count(metric: IngestMetric, value: number): void {
    this.totals[metric] = (this.totals[metric] ?? 0) + value;
  }
  invalidByReason(code: ReasonCode, value: number): void {
    this.byReason[code] = (this.byReason[code] ?? 0) + value;
  }
}

/** An in-memory S3 for unit tests (the integration tests use a real moto server). */
export class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  puts = 0;
  failPuts = false;
  async send(command: unknown): Promise<any> {
    if (command instanceof GetObjectCommand) {
      const body = this.objects.get(`${command.input.Bucket}/${command.input.Key}`);
      if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      // Several chunks, as a real body arrives.
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += 1000) chunks.push(body.subarray(i, i + 1000));
      return { Body: Readable.from(chunks) };
    }
    if (command instanceof PutObjectCommand) {
      this.puts++;
      if (this.failPuts) throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      this.objects.set(`${command.input.Bucket}/${command.input.Key}`, Buffer.from(command.input.Body as string));
      return {};
    }
    if (command instanceof CopyObjectCommand) {
      const [bucket, ...rest] = command.input.CopySource!.split('?')[0].split('/');
      const source = this.objects.get(`${bucket}/${decodeURIComponent(rest.join('/'))}`);
      if (!source) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      this.objects.set(`${command.input.Bucket}/${command.input.Key}`, source);
      return {};
    }
    throw new Error(`FakeS3 does not implement ${(command as object).constructor.name}`);
  }
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  lines(key: string): any[] {
    return this.objects
      .get(key)!
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
  }
}

export interface SentRecord {
  data: string;
  partitionKey: string;
}

/**
 * An in-memory Kinesis PutRecords. `failure(record, call)` returns an error code to refuse a
 * record in a call, `throwOnCall(call)` an error to throw for a whole call.
 */
export class FakeKinesis {
  readonly calls: SentRecord[][] = [];
  readonly accepted: SentRecord[] = [];
  failure: (record: SentRecord, call: number) => string | undefined = () => undefined;
  throwOnCall: (call: number) => Error | undefined = () => undefined;
  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const records = (command.input.Records ?? []).map((r) => ({ data: Buffer.from(r.Data!).toString('utf8'), partitionKey: r.PartitionKey! }));
    this.calls.push(records);
    const thrown = this.throwOnCall(this.calls.length);
    if (thrown) throw thrown;
    let failed = 0;
    const results = records.map((r, i) => {
      const code = this.failure(r, this.calls.length);
      if (code) {
        failed++;
        return { ErrorCode: code, ErrorMessage: `Rate exceeded for shard shardId-00000000000${i % 4}` };
      }
      this.accepted.push(r);
      return { SequenceNumber: String(this.accepted.length), ShardId: 'shardId-000000000000' };
    });
    return { FailedRecordCount: failed, Records: results, $metadata: {} };
  }
}

export const noSleep = async (): Promise<void> => undefined;
