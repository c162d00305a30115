// The memory half of `sluice bench ingest`, run in its own process so its peak RSS is its own:
// ingests one file through the s3-ingest code path with Kinesis and S3 replaced by counting sinks.
import { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { createReadStream, statSync } from 'node:fs';
import { loadRegistry } from '../../core/events/registry';
import { createContext } from '../../core/events/validate';
import { ErrorZoneWriter } from '../../functions/ingest/error-zone';
import { ingestFile } from '../../functions/ingest/pipeline';
import { KinesisPublisher } from '../../functions/ingest/publisher';

async function main(file: string): Promise<void> {
  const ctx = createContext({ source: 'bench', registry: loadRegistry() });
  let putRecordsCalls = 0;
  const kinesis = {
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      putRecordsCalls++;
      const records = command.input.Records ?? [];
      return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })), $metadata: {} };
    },
  };
  const publisher = new KinesisPublisher({ client: kinesis, stream: { name: 'bench-events' } });
  let errorObjects = 0;
  const errors = new ErrorZoneWriter({ source: 'bench', date: new Date(), put: async () => void errorObjects++ });
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  const started = process.hrtime.bigint();
  const counts = await ingestFile(createReadStream(file), {
    ctx,
    objectKey: file,
    sinks: { publish: (entry) => publisher.add(entry), reject: (line, at) => errors.add(line, String(at)) },
  });
  await publisher.flush();
  await errors.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.send!({
    fileBytes: statSync(file).size,
    records: counts.records,
    valid: counts.valid,
    invalid: counts.invalid,
    published: publisher.stats.published,
    putRecordsCalls,
    errorObjects,
    seconds,
    baselineRssMb,
    // maxRSS is in kilobytes on Linux.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  });
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
