/**
 * A process that starts a Kafka broker and then dies without stopping it, for the broker
 * harness's tests: `throw` fails with an uncaught error, `hang` waits to be killed (SIGKILL).
 * Prints {"pid":..,"port":..} of the broker first. Usage: tsx kafka-orphan.ts <dir> <throw|hang>
 */
import { startKafkaBroker } from '../../local/kafka-broker';

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  const broker = await startKafkaBroker({ dir, topics: ['ingest'] });
  process.stdout.write(`${JSON.stringify({ pid: broker.pid, port: broker.port })}\n`);
  if (mode === 'throw') throw new Error('a test failed with the broker still running');
  setInterval(() => undefined, 1_000);
}

void main();
