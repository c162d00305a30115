import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [SLUICE, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A copy of a real stack file with one edit, in a directory of its own. */
function brokenCopy(stack: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  writeFileSync(join(dir, `Pulumi.${stack}.yaml`), edit(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')));
  return dir;
}

describe('sluice config check (as a process)', () => {
  for (const stack of ['dev', 'prod']) {
    it(`prints the resolved ${stack} configuration with defaults and exits 0`, () => {
      const run = sluice('config', 'check', '--stack', stack, '--json');
      expect(run.status, run.stderr).to.equal(0);
      const resolved = JSON.parse(run.stdout);
      expect(resolved.stack).to.equal(stack);
      expect(resolved.kms.deletionWindowDays).to.equal(30);
      expect(resolved.processing.windowSeconds).to.equal(60);
      expect(run.stderr).to.include(`stack "${stack}": configuration is valid`);
    });
  }

  it('prints YAML by default', () => {
    const run = sluice('config', 'check', '--stack', 'dev');
    expect(run.status).to.equal(0);
    expect(parse(run.stdout).account.id).to.equal('111111111111');
  });

  it('fails a broken prod copy with all its errors: wrong type, out of range, unknown key, account/role mismatch', () => {
    const dir = brokenCopy('prod', (t) =>
      t
        .replace('stateful: true', 'stateful: "yes"')
        .replace('retentionHours: 72', 'retentionHours: 12')
        .replace('    functionMemoryMb: 1024', '    functionMemoryMB: 1024')
        .replace('arn:aws:iam::222222222222', 'arn:aws:iam::111111111111'),
    );
    const run = sluice('config', 'check', '--stack', 'prod', '--dir', dir);
    expect(run.status).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.include('stack "prod" has 3 configuration errors');
    expect(run.stderr).to.include('sluice:protection.stateful must be a boolean (got string "yes"); change its value to a boolean');
    expect(run.stderr).to.include('sluice:streams.ingest.retentionHours must be between 24 and 8760 (got 12); raise it or remove it to use 24');
    expect(run.stderr).to.include('sluice:ingestion.functionMemoryMB is not a known key (did you mean sluice:ingestion.functionMemoryMb?)');
  });

  it('reports an account/role mismatch in a copy of dev', () => {
    const dir = brokenCopy('dev', (t) => t.replace('arn:aws:iam::111111111111', 'arn:aws:iam::222222222222'));
    const run = sluice('config', 'check', '--stack', 'dev', '--dir', dir);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("sluice:account.deployRoleArn must be a role in the stack's account 111111111111 (got a role in 222222222222)");
  });

  it('explains a missing stack file', () => {
    const run = sluice('config', 'check', '--stack', 'staging');
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/Pulumi\.staging\.yaml does not exist; create it \(copy Pulumi\.dev\.yaml and edit it\)/);
  });

  it('explains malformed YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    copyFileSync(join(REPO_ROOT, 'Pulumi.dev.yaml'), join(dir, 'Pulumi.dev.yaml'));
    writeFileSync(join(dir, 'Pulumi.dev.yaml'), 'config:\n  sluice:account: {id: "1"\n');
    const run = sluice('config', 'check', '--stack', 'dev', '--dir', dir);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/is not valid YAML at line \d+, column \d+/);
  });

  it('requires --stack', () => {
    const run = sluice('config', 'check');
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("required option '-s, --stack <name>' not specified");
  });
});
