import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { brokerProperties, newClusterId, startKafkaBroker, STREAM_TOPICS } from '../../local/kafka-broker';
import { portIsFree, processEnds, processIsAlive, useKafkaBroker } from '../support/kafka';

describe('local Kafka broker', function () {
  this.timeout(120_000);

  describe('brokerProperties', () => {
    const props = Object.fromEntries(
      brokerProperties({ broker: 40001, controller: 40002 }, '/scratch/kafka/data')
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );

    it('listens on loopback only, as one combined broker and controller', () => {
      expect(props['process.roles']).to.equal('broker,controller');
      expect(props['listeners']).to.equal('PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002');
      expect(props['advertised.listeners']).to.equal('PLAINTEXT://127.0.0.1:40001');
      expect(props['controller.quorum.voters']).to.equal('1@127.0.0.1:40002');
      expect(props['log.dirs']).to.equal('/scratch/kafka/data');
    });

    it('keeps every internal topic to the one replica a single node has', () => {
      for (const key of [
        'offsets.topic.replication.factor',
        'transaction.state.log.replication.factor',
        'transaction.state.log.min.isr',
        'share.coordinator.state.topic.replication.factor',
        'share.coordinator.state.topic.min.isr',
      ]) {
        expect(props[key], key).to.equal('1');
      }
      expect(props['auto.create.topics.enable']).to.equal('false');
    });
  });

  describe('newClusterId', () => {
    it('never starts with "-", which the storage tool would take for an option', () => {
      // 0xf8 encodes as "-" first in URL-safe base64; the next draw is taken instead.
      const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
      expect(newClusterId(() => draws.shift()!)).to.equal('AQEBAQEBAQEBAQEBAQEBAQ');
      expect(draws).to.deep.equal([]);
    });
  });

  describe('a running broker', () => {
    const kafka = useKafkaBroker();

    it('has the four topics of the streaming mode', async () => {
      const admin = new Admin({ clientId: 'test', bootstrapBrokers: [kafka.broker.bootstrap] });
      try {
        expect((await admin.listTopics()).sort()).to.deep.equal([...STREAM_TOPICS].sort());
      } finally {
        await admin.close();
      }
    });

    it('delivers committed transactions to a read_committed consumer and hides aborted ones', async () => {
      const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: [kafka.broker.bootstrap], serializers: stringSerializers, transactionalId: 'broker-test', idempotent: true });
      const consumer = new Consumer({
        clientId: 'test-consumer',
        groupId: 'broker-test',
        bootstrapBrokers: [kafka.broker.bootstrap],
        deserializers: stringDeserializers,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
      try {
        const kept = await producer.beginTransaction();
        await kept.send({
          messages: [
            { topic: 'events', key: 'a', value: 'first' },
            { topic: 'events', key: 'b', value: 'second' },
          ],
        });
        await kept.commit();
        const dropped = await producer.beginTransaction();
        await dropped.send({ messages: [{ topic: 'events', key: 'c', value: 'aborted' }] });
        await dropped.abort();
        const last = await producer.beginTransaction();
        await last.send({ messages: [{ topic: 'events', key: 'd', value: 'third' }] });
        await last.commit();

        const stream = await consumer.consume({ topics: ['events'], mode: MessagesStreamModes.EARLIEST, autocommit: false });
        const seen: string[] = [];
        for await (const message of stream) {
          seen.push(`${message.key}=${message.value}`);
          if (seen.length === 3) break;
        }
        await stream.close();
        expect(seen).to.deep.equal(['a=first', 'b=second', 'd=third']);
      } finally {
        await producer.close();
        await consumer.close(true);
      }
    });
  });

  describe('after a failing test', () => {
    it('the harness has stopped the broker and freed its port while the test process still runs', async () => {
      const suite = join(__dirname, '..', 'support', 'kafka-failing-suite.ts');
      const mocha = require.resolve('mocha/bin/mocha.js');
      const child = spawn(process.execPath, [mocha, '--no-config', '-r', 'tsx/cjs', '--extension', 'ts', '--timeout', '120000', '--reporter', 'dot', suite], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      // The reporter's marks may share the line: find the tag anywhere.
      const line = (tag: string) => {
        const found = new RegExp(`${tag} (\\{[^\n]*\\})`).exec(stdout);
        if (!found) throw new Error(`the suite printed no ${tag} line:\n${stdout}\n${stderr}`);
        return JSON.parse(found[1]) as Record<string, unknown>;
      };
      const broker = line('BROKER') as { pid: number; port: number };
      try {
        // One failure (the failing test), and the suite after it passed.
        expect(code, stdout + stderr).to.equal(1);
        expect(stdout)
          .to.match(/1 passing/)
          .and.match(/1 failing/);
        expect(line('AFTER')).to.deep.equal({ alive: false, portFree: true });
        expect(processIsAlive(broker.pid)).to.equal(false);
        expect(await portIsFree(broker.port)).to.equal(true);
      } finally {
        if (processIsAlive(broker.pid)) process.kill(broker.pid, 'SIGKILL');
      }
    });
  });

  describe('stopping', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-stop-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('stop() ends the process and frees the port', async () => {
      const broker = await startKafkaBroker({ dir, topics: ['ingest'] });
      expect(processIsAlive(broker.pid)).to.equal(true);
      expect(await portIsFree(broker.port)).to.equal(false);
      await broker.stop();
      expect(processIsAlive(broker.pid)).to.equal(false);
      expect(await portIsFree(broker.port)).to.equal(true);
    });

    for (const mode of ['throw', 'hang'] as const) {
      const how = mode === 'throw' ? 'fails with an uncaught error' : 'is killed with SIGKILL';
      it(`leaves no broker behind when the process that started it ${how}`, async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'kafka-orphan.ts'), dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const started = await new Promise<{ pid: number; port: number }>((resolveStart, reject) => {
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (c: string) => {
            out += c;
            if (out.includes('\n')) resolveStart(JSON.parse(out.split('\n')[0]) as { pid: number; port: number });
          });
          child.on('exit', (code) => reject(new Error(`the starter exited (${code}) before the broker was up: ${stderr}`)));
        });
        try {
          if (mode === 'hang') child.kill('SIGKILL');
          expect(await processEnds(started.pid, 30_000), 'broker process ended').to.equal(true);
          expect(await portIsFree(started.port)).to.equal(true);
        } finally {
          if (processIsAlive(started.pid)) process.kill(started.pid, 'SIGKILL');
          child.kill('SIGKILL');
        }
      });
    }
  });
});
