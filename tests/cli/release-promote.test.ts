import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');
const FIXTURE_JAR = join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar');

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [SLUICE, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('sluice release, config pin-release and promote (as a process)', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('release prints the id on stdout and a summary on stderr; the same tree gives the same id', () => {
    const out = mkdtempSync(join(tmpdir(), 'sluice-cli-release-'));
    dirs.push(out);
    const first = sluice('release', '--jar', FIXTURE_JAR, '--out', out);
    expect(first.status, first.stderr).to.equal(0);
    const id = first.stdout.trim();
    expect(id).to.match(/^[0-9a-f]{16}$/);
    expect(first.stderr).to.contain(`release ${id} built in ${join(out, id)}`);
    const again = sluice('release', '--jar', FIXTURE_JAR, '--out', out);
    expect(again.stdout.trim()).to.equal(id);
    expect(again.stderr).to.contain('(already built)');
    expect(JSON.parse(readFileSync(join(out, id, 'manifest.json'), 'utf8')).id).to.equal(id);
  });

  it('config pin-release writes the id into the stack file and refuses a malformed one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-pin-'));
    dirs.push(dir);
    copyFileSync(join(REPO_ROOT, 'Pulumi.prod.yaml'), join(dir, 'Pulumi.prod.yaml'));
    const ok = sluice('config', 'pin-release', '0123456789abcdef', '--stack', 'prod', '--dir', dir);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'Pulumi.prod.yaml'), 'utf8')).to.contain('  sluice:release: "0123456789abcdef"\n');
    const bad = sluice('config', 'pin-release', 'latest', '--stack', 'prod', '--dir', dir);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain('sluice:release must be a release id');
    expect(readFileSync(join(dir, 'Pulumi.prod.yaml'), 'utf8')).to.contain('  sluice:release: "0123456789abcdef"\n');
  });

  it('promote refuses a malformed --release before it touches Pulumi, with exit code 2', () => {
    const run = sluice('promote', '--to', 'prod', '--release', 'v2');
    expect(run.status).to.equal(2);
    expect(run.stderr).to.equal('sluice promote: --release "v2" is not a release id (16 lower-case hex digits, as `sluice release` prints it)\n');
  });

  it('promote --help lists the gates options', () => {
    const run = sluice('promote', '--help');
    expect(run.status).to.equal(0);
    for (const option of ['--to <stack>', '--from <stack>', '--release <id>', '--allow-replace <urn>', '--yes', '--dry-run']) expect(run.stdout).to.contain(option);
  });
});
