/**
 * A mocha suite with a test that fails while the broker of useKafkaBroker() runs, for the broker
 * harness's own test (tests/local/kafka-broker.test.ts runs it in a mocha process of its own):
 * the failing test prints the broker's pid and port; a later suite of the same mocha process,
 * which is still alive, prints whether the broker is gone and its port free. Not a *.test.ts
 * file, so the project's suite never runs it directly.
 */
import { portIsFree, processIsAlive, useKafkaBroker } from './kafka';

let started: { pid: number; port: number } | undefined;

describe('a suite whose test fails with the broker running', () => {
  const kafka = useKafkaBroker(['ingest']);

  it('fails', () => {
    started = { pid: kafka.broker.pid, port: kafka.broker.port };
    process.stdout.write(`BROKER ${JSON.stringify(started)}\n`);
    throw new Error('this test fails on purpose, with the broker running');
  });
});

describe('the next suite of the same run', () => {
  it('finds the broker gone', async () => {
    if (!started) throw new Error('the failing test never saw a broker');
    process.stdout.write(`AFTER ${JSON.stringify({ alive: processIsAlive(started.pid), portFree: await portIsFree(started.port) })}\n`);
  });
});
