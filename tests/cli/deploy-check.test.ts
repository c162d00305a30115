import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../support/pulumi';

/** `make deploy-check` with PATH holding only `dir` (and make, node, the shell's basics). */
function deployCheck(dir: string) {
  const path = [dir, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  const run = spawnSync('make', ['--no-print-directory', '-s', 'deploy-check'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: path } });
  return { status: run.status, stderr: run.stderr };
}

describe('make deploy: its prerequisites are checked first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-deploy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to get the Pulumi CLI when there is none', function () {
    if (spawnSync('sh', ['-c', 'PATH=/usr/bin:/bin command -v pulumi']).status === 0) this.skip();
    const run = deployCheck(dir);
    expect(run.status).to.not.equal(0);
    expect(run.stderr).to.include('make deploy: the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/iac/download-install/) and retry');
  });

  it('says how to log in when the Pulumi CLI has no backend', () => {
    const pulumi = join(dir, 'pulumi');
    writeFileSync(pulumi, '#!/bin/sh\necho "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" >&2\nexit 255\n');
    chmodSync(pulumi, 0o755);
    const run = deployCheck(dir);
    expect(run.status).to.not.equal(0);
    expect(run.stderr).to.include('make deploy: the Pulumi CLI is not logged in to a state backend; run pulumi login (Pulumi Cloud) or pulumi login s3://<bucket> (your own), then retry');
    rmSync(pulumi);
  });
});
