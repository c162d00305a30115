import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { useKafkaBroker } from '../support/kafka';
import { readTopic } from '../support/kafka-read';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');
const TOPIC = 'partner-feed';
const PARTITIONS = 3;

function event(i: number, type: string): string {
  const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  // Payload text the platform must not re-serialise: a big integer and an escaped character.
  return `{"event_uuid":"${uuid}","event_name":"${type}:thing","created_at":1773738000,"amount":12345678901234567890,"note":"caf\\u00e9","event_type":"${type}","ingested_at":"2026-03-17T09:00:00.000Z","source":"stream"}`;
}

describe('sluice replay into a Kafka topic (the local Kafka broker)', function () {
  this.timeout(300_000);
  const kafka = useKafkaBroker([{ name: TOPIC, partitions: PARTITIONS }, 'events']);
  let work: string;
  let archive: string;
  const archived: string[] = [];
  const keys = ['raw/dt=2026-03-17/hour=09/archive-a.gz', 'raw/dt=2026-03-17/hour=09/archive-b.gz', 'raw/dt=2026-03-17/hour=10/archive-c.gz'];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'sluice-replay-kafka-'));
    archive = join(work, 'lake');
    let i = 0;
    for (const key of keys) {
      const lines = Array.from({ length: 1000 }, () => event(i, i++ % 10 === 0 ? 'account' : 'payment'));
      if (key.endsWith('c.gz')) lines.push('not json at all');
      archived.push(...lines);
      mkdirSync(join(archive, key, '..'), { recursive: true });
      writeFileSync(join(archive, key), gzipSync(`${lines.join('\n')}\n`));
    }
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  const target = () => `kafka://${kafka.broker.bootstrap}/${TOPIC}`;
  const args = (checkpoint: string) => [
    'replay',
    '--stack',
    'dev',
    '--archive',
    archive,
    '--from',
    '2026-03-17T09',
    '--to',
    '2026-03-17T10',
    '--event-type',
    'payment',
    '--target',
    target(),
    '--checkpoint',
    checkpoint,
  ];

  it('resumes after a forced stop: every payment event in the topic, byte for byte, repeats only after the last checkpoint', async () => {
    const checkpoint = join(work, 'cp.json');
    // Slow enough to be killed mid-way: 2,700 payment events at 1,500/s.
    const first = spawn(process.execPath, [SLUICE, ...args(checkpoint), '--rate', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstErr = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (firstErr += d));
    const exited = new Promise((resolve) => first.on('exit', resolve));
    for (;;) {
      if (existsSync(checkpoint) && (JSON.parse(readFileSync(checkpoint, 'utf8')) as { published: number }).published >= 900) break;
      if (first.exitCode !== null) throw new Error(`the first replay exited with ${first.exitCode} before it could be stopped: ${firstErr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    await exited;
    const stoppedAt = JSON.parse(readFileSync(checkpoint, 'utf8')) as { published: number; key: string; line: number };
    expect(stoppedAt.published).to.be.below(2700);

    const second = spawnSync(process.execPath, [SLUICE, ...args(checkpoint)], { encoding: 'utf8' });
    expect(second.status, second.stderr).to.equal(0);
    const summary = JSON.parse(second.stdout) as { published: number; skipped: number; unreadable: unknown[]; resumed: unknown; objects: number; request: { target: string } };
    expect(summary).to.deep.include({ published: 2700, skipped: 300, objects: 3, resumed: { key: stoppedAt.key, line: stoppedAt.line } });
    expect(summary.request.target).to.equal(target());
    expect(summary.unreadable).to.deep.equal([{ key: keys[2], line: 1001 }]);
    expect(second.stderr).to.match(/\d+\/3 objects \(\d+%\), \d+ published, \d+ skipped/);

    const records = await readTopic(kafka.broker.bootstrap, TOPIC);
    const expected = archived.filter((line) => line.includes('"event_type":"payment"'));
    expect([...new Set(records.map((r) => r.value))].sort()).to.deep.equal([...expected].sort());
    for (const r of records) expect(r.value).to.include(`"event_uuid":"${r.key}"`);

    // Copies: only events after the checkpoint the crash left (the resume point), each at most twice, at most one batch (500 lines).
    const position = (value: string) => archived.indexOf(value);
    const resumeAt = keys.indexOf(stoppedAt.key) * 1000 + stoppedAt.line;
    const seen = new Map<string, number>();
    for (const r of records) seen.set(r.value, (seen.get(r.value) ?? 0) + 1);
    const copies = [...seen].filter(([, n]) => n > 1);
    for (const [value, n] of copies) {
      expect(n).to.equal(2);
      expect(position(value)).to.be.at.least(resumeAt);
    }
    expect(records.length).to.equal(expected.length + copies.length);
    expect(copies.length).to.be.at.most(500);

    const again = spawnSync(process.execPath, [SLUICE, ...args(checkpoint)], { encoding: 'utf8' });
    expect(again.status, again.stderr).to.equal(0);
    expect((await readTopic(kafka.broker.bootstrap, TOPIC)).length, 'a completed replay run again sends nothing').to.equal(records.length);
  });

  it('refuses a topic the broker does not have, and a malformed kafka:// target, before reading the archive', () => {
    const missing = spawnSync(
      process.execPath,
      [
        SLUICE,
        'replay',
        '--stack',
        'dev',
        '--archive',
        archive,
        '--from',
        '2026-03-17',
        '--to',
        '2026-03-17',
        '--target',
        `kafka://${kafka.broker.bootstrap}/no-such-topic`,
        '--checkpoint',
        join(work, 'missing.json'),
      ],
      { encoding: 'utf8' },
    );
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.include(`sluice replay: --target: the Kafka broker ${kafka.broker.bootstrap} has no topic no-such-topic; create it first`);
    expect(existsSync(join(work, 'missing.json'))).to.equal(false);
    const malformed = spawnSync(process.execPath, [SLUICE, 'replay', '--stack', 'dev', '--archive', archive, '--from', '2026-03-17', '--to', '2026-03-17', '--target', 'kafka://127.0.0.1/feed'], {
      encoding: 'utf8',
    });
    expect(malformed.status).to.equal(2);
    expect(malformed.stderr).to.include('sluice replay: --target kafka://127.0.0.1/feed is not a Kafka topic; give kafka://<host>:<port>/<topic>');
  });
});
