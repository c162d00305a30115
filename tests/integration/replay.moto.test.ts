import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createStream, readStream } from '../support/kinesis';
import { motoClientConfig, useMoto } from '../support/moto';

const REPO = join(__dirname, '..', '..');
const SLUICE = join(REPO, 'cli', 'bin', 'sluice.js');
const LAKE = 'sluice-dev-111111111111-lake';
const TARGET = 'sluice-dev-replay-target';

function event(i: number, hour: string, type: string): string {
  const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  // Payload text the platform must not re-serialise: a big integer and an escaped character.
  return `{"event_uuid":"${uuid}","event_name":"${type}:thing","created_at":1773738000,"amount":12345678901234567890,"note":"caf\\u00e9","event_type":"${type}","ingested_at":"2026-03-17T${hour}:00:00.000Z","source":"stream"}`;
}

describe('sluice replay against moto server (S3 archive -> Kinesis)', function () {
  this.timeout(180000);
  const moto = useMoto();
  let s3: S3Client;
  let kinesis: KinesisClient;
  let work: string;
  let targetArn: string;
  const archived: string[] = [];

  const env = () => ({
    ...process.env,
    AWS_ENDPOINT_URL: moto().endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'eu-west-1',
  });

  before(async () => {
    await moto().reset();
    work = mkdtempSync(join(tmpdir(), 'sluice-replay-'));
    const config = motoClientConfig(moto().endpoint);
    s3 = new S3Client(config);
    kinesis = new KinesisClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: LAKE, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    // Two hours of archive, two Firehose objects in the first; an object outside the range must be left alone.
    const objects: Array<[string, string[]]> = [
      ['raw/dt=2026-03-17/hour=09/sluice-dev-archive-1-2026-03-17-09-00-00-a.gz', []],
      ['raw/dt=2026-03-17/hour=09/sluice-dev-archive-1-2026-03-17-09-30-00-b.gz', []],
      ['raw/dt=2026-03-17/hour=10/sluice-dev-archive-1-2026-03-17-10-00-00-c.gz', []],
    ];
    let i = 0;
    for (const [, lines] of objects) for (let n = 0; n < 1000; n++) lines.push(event(i++, '09', i % 10 === 0 ? 'account' : 'payment'));
    objects[2][1].push('not json at all');
    for (const [key, lines] of objects) {
      archived.push(...lines);
      await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: key, Body: gzipSync(`${lines.join('\n')}\n`) }));
    }
    await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: 'raw/dt=2026-03-17/hour=11/outside.gz', Body: gzipSync(event(9999, '11', 'payment')) }));
    targetArn = await createStream(kinesis, TARGET, 2);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  const args = (checkpoint: string) => ['replay', '--stack', 'dev', '--from', '2026-03-17T09', '--to', '2026-03-17T10', '--event-type', 'payment', '--target', TARGET, '--checkpoint', checkpoint];

  it('resumes after a forced stop and delivers every archived event of the type, byte for byte', async () => {
    const checkpoint = join(work, 'cp.json');
    // Slow enough to be killed mid-way: 2,700 payment events at 1,500/s.
    const first = spawn(process.execPath, [SLUICE, ...args(checkpoint), '--rate', '1500'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => first.on('exit', resolve));
    for (;;) {
      if (existsSync(checkpoint) && (JSON.parse(readFileSync(checkpoint, 'utf8')) as { published: number }).published >= 900) break;
      if (first.exitCode !== null) throw new Error(`the first replay exited with ${first.exitCode} before it could be stopped`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    await exited;
    const stoppedAt = JSON.parse(readFileSync(checkpoint, 'utf8')) as { published: number; key: string; line: number };
    expect(stoppedAt.published).to.be.below(2700);

    const second = spawnSync(process.execPath, [SLUICE, ...args(checkpoint)], { env: env(), encoding: 'utf8' });
    expect(second.status, second.stderr).to.equal(0);
    const summary = JSON.parse(second.stdout) as { published: number; skipped: number; unreadable: unknown[]; resumed: unknown; objects: number };
    expect(summary).to.deep.include({ published: 2700, objects: 3, resumed: { key: stoppedAt.key, line: stoppedAt.line } });
    expect(summary.unreadable).to.deep.equal([{ key: 'raw/dt=2026-03-17/hour=10/sluice-dev-archive-1-2026-03-17-10-00-00-c.gz', line: 1001 }]);

    const records = await readStream(kinesis, targetArn);
    const expected = archived.filter((line) => line.includes('"event_type":"payment"'));
    const delivered = new Set(records.map((r) => r.data));
    // At least once: every payment event arrived exactly as archived, and nothing else did.
    expect([...delivered].sort()).to.deep.equal([...expected].sort());
    for (const r of records) expect(r.data).to.include(`"event_uuid":"${r.partitionKey}"`);
    // The crash can repeat at most the batch that was in flight (500 lines) and what was sent since the last checkpoint.
    expect(records.length - expected.length).to.be.within(0, 500);

    const again = spawnSync(process.execPath, [SLUICE, ...args(checkpoint)], { env: env(), encoding: 'utf8' });
    expect(again.status, again.stderr).to.equal(0);
    expect((await readStream(kinesis, targetArn)).length, 'a completed replay run again sends nothing').to.equal(records.length);
  });

  it('stops cleanly on SIGINT with the checkpoint written, and says how to resume', async () => {
    const checkpoint = join(work, 'interrupted.json');
    const run = spawn(process.execPath, [SLUICE, ...args(checkpoint).map((a) => (a === TARGET ? 'sluice-dev-replay-target' : a)), '--rate', '1000'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    while (!existsSync(checkpoint)) {
      if (run.exitCode !== null) throw new Error(`the replay exited with ${run.exitCode} before its first checkpoint: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    run.kill('SIGINT');
    const code = await new Promise((resolve) => run.on('exit', resolve));
    expect(code).to.equal(130);
    expect(stderr).to.match(/replay stopped at raw\/dt=2026-03-17\/hour=09\/\S+ line \d+; run the same command again to resume from /);
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).to.include.keys('key', 'line', 'published');
  });

  it("refuses prod's events stream without --i-know before touching AWS", () => {
    const run = spawnSync(process.execPath, [SLUICE, 'replay', '--stack', 'prod', '--from', '2026-03-17', '--to', '2026-03-17', '--target', 'events'], { env: env(), encoding: 'utf8' });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("sluice replay: --target events is the prod stack's events stream: dedup drops every replayed event whose first copy arrived within the last");
    expect(run.stderr).to.include('add --i-know to replay into it anyway');
  });
});
