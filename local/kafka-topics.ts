/**
 * A look at a Kafka cluster before writing to it: whether a topic exists, asked once with a short
 * timeout, so a replay into a missing topic or an unreachable broker stops at once with the fix
 * instead of after the publisher's retries.
 */
import { Admin } from '@platformatic/kafka';
import { UserError } from '../core/user-error';

export async function requireTopic(bootstrap: string, topic: string, option = '--target'): Promise<void> {
  const admin = new Admin({ clientId: 'sluice-topic-check', bootstrapBrokers: [bootstrap], retries: 1, timeout: 5_000 });
  let topics: string[];
  try {
    topics = await admin.listTopics();
  } catch (err) {
    throw new UserError(`${option}: cannot reach the Kafka broker ${bootstrap} (${(err as Error).message}); check the host and port, and that it listens for plaintext clients`);
  } finally {
    await admin.close().catch(() => undefined);
  }
  if (!topics.includes(topic)) {
    throw new UserError(`${option}: the Kafka broker ${bootstrap} has no topic ${topic}; create it first (kafka-topics.sh --create --topic ${topic}), replay does not create topics`);
  }
}
