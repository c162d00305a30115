/**
 * The counts `sluice archive verify` compares: records per hour in the raw archive (read from S3
 * or a local lake), and records per hour the `events` stream received (CloudWatch).
 */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { archiveHourPrefix } from '../core/replay';
import { readEvents } from '../functions/ingest/reader';
import type { ArchiveStore } from './archive';

const HOUR = 3600_000;

/** Records (non-blank lines) in each hour's archive objects, for the given hours and the one after the last. */
export async function archiveHourCounts(store: ArchiveStore, hours: readonly number[], onObject?: (key: string) => void): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const withSpill = hours.length === 0 ? [] : [...hours, hours[hours.length - 1] + HOUR];
  for (const hour of withSpill) {
    let n = 0;
    for (const object of await store.list(archiveHourPrefix(hour))) {
      onObject?.(object.key);
      for await (const record of readEvents(store.read(object.key), { format: 'jsonl' })) if (record.text !== '') n++;
    }
    counts.set(hour, n);
  }
  return counts;
}

/** The stream's IncomingRecords summed per hour, from CloudWatch (AWS/Kinesis, StreamName). */
export async function streamHourCounts(client: Pick<CloudWatchClient, 'send'>, streamName: string, hours: readonly number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>(hours.map((h) => [h, 0]));
  if (hours.length === 0) return counts;
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(hours[0]),
        EndTime: new Date(hours[hours.length - 1] + HOUR),
        MetricDataQueries: [
          {
            Id: 'incoming',
            MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords', Dimensions: [{ Name: 'StreamName', Value: streamName }] }, Period: 3600, Stat: 'Sum' },
          },
        ],
        NextToken: token,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      (result.Timestamps ?? []).forEach((t, i) => {
        const hour = Math.floor(t.getTime() / HOUR) * HOUR;
        if (counts.has(hour)) counts.set(hour, (counts.get(hour) ?? 0) + (result.Values?.[i] ?? 0));
      });
    }
    token = page.NextToken;
  } while (token);
  return counts;
}
