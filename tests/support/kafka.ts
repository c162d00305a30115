import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startKafkaBroker, STREAM_TOPICS, type KafkaBroker, type TopicSpec } from '../../local/kafka-broker';

/**
 * Starts one Kafka broker on a free loopback port for the enclosing mocha suite and stops it
 * after the suite, whether its tests passed or failed. Read `broker` inside tests and hooks.
 */
export function useKafkaBroker(topics: readonly (string | TopicSpec)[] = STREAM_TOPICS): { readonly broker: KafkaBroker; readonly dir: string } {
  let broker: KafkaBroker | undefined;
  let dir: string | undefined;
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    broker = await startKafkaBroker({ dir: join(dir, 'broker'), topics });
  });
  after(async function () {
    this.timeout(60_000);
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get broker() {
      if (!broker) throw new Error('the Kafka broker is not started yet: read it inside a test or hook');
      return broker;
    },
    get dir() {
      if (!dir) throw new Error('the Kafka broker is not started yet');
      return dir;
    },
  };
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true once the process is gone, false if it is still there after `timeoutMs`. */
export async function processEnds(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processIsAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** True when nothing listens on the loopback port (it can be bound again). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}
