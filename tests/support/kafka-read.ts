import { Admin, Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';

export interface TopicRecord {
  partition: number;
  offset: bigint;
  key: string;
  value: string;
}

/**
 * Every record of a topic from the start of each partition up to its end offset at the time of
 * the call, in offset order within each partition. Reads committed and uncommitted records alike
 * (read_uncommitted), so use it on topics written without transactions.
 */
export async function readTopic(bootstrap: string, topic: string, timeoutMs = 60_000): Promise<TopicRecord[]> {
  const admin = new Admin({ clientId: 'sluice-test-admin', bootstrapBrokers: [bootstrap] });
  let end = 0;
  try {
    const partitions = (await admin.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount ?? 1;
    const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }] });
    end = listed.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  } finally {
    await admin.close();
  }
  const records: TopicRecord[] = [];
  if (end === 0) return records;
  const consumer = new Consumer({
    clientId: 'sluice-test-reader',
    groupId: `sluice-test-${process.pid}-${Date.now()}-${Math.random()}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 200,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${end} records of ${topic} within ${timeoutMs / 1000} s`)), timeoutMs);
      stream.on('data', (m) => {
        records.push({ partition: m.partition, offset: m.offset, key: m.key, value: m.value });
        if (records.length >= end) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    await Promise.resolve(stream.close()).catch(() => undefined);
  } finally {
    await Promise.resolve(consumer.close(true)).catch(() => undefined);
  }
  return records;
}
