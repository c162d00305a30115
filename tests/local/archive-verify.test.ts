import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');

describe('sluice archive verify --local', function () {
  this.timeout(600000);
  let out: string;
  let day: string;

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'sluice-archive-verify-'));
    const run = spawnSync(process.execPath, [SLUICE, 'local', '--events', '2000', '--seed', '5', '--out', join(out, 'run')], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    day = (JSON.parse(readFileSync(join(out, 'run', 'report.json'), 'utf8')) as { ingested_at: string }).ingested_at.slice(0, 10);
  });

  after(() => rmSync(out, { recursive: true, force: true }));

  const verify = () => spawnSync(process.execPath, [SLUICE, 'archive', 'verify', '--local', join(out, 'run', 'lake'), '--from', day, '--to', day], { encoding: 'utf8' });

  it('finds every curated event of a local run in its archive', () => {
    const run = verify();
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/complete: the archive holds \d+ record\(s\) for \d+ in curated/);
  });

  it('fails, naming the hour and the events, when an archive object is gone', () => {
    const hourDir = join(out, 'run', 'lake', 'raw', `dt=${day}`);
    const hour = readdirSync(hourDir)[0];
    for (const file of readdirSync(join(hourDir, hour))) rmSync(join(hourDir, hour, file));
    const run = verify();
    expect(run.status).to.equal(1);
    expect(run.stdout).to.include(`INCOMPLETE from ${day}T${hour.slice('hour='.length)}`);
    expect(run.stdout).to.match(/curated events missing from the archive \(first 10\): [0-9a-f-]{36} /);
  });
});
