import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');

/** Starts `sluice local`, sends `signal` once the Flink stage has started, and resolves with the exit code. */
function stopDuringFlink(out: string, signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLUICE, 'local', '--events', '2000', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && stderr.includes('[dedup_filter] started')) {
        sent = true;
        // The scratch directory exists and the Flink child is starting.
        setTimeout(() => child.kill(signal), 500);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('sluice local: a stopped run leaves nothing behind', function () {
  this.timeout(300_000);
  const root = mkdtempSync(join(tmpdir(), 'sluice-interrupt-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`removes its scratch directory on ${signal} and exits ${code}`, async () => {
      const out = join(root, signal);
      const run = await stopDuringFlink(out, signal);
      expect(run.code, run.stderr).to.equal(code);
      expect(run.stderr).to.include(`sluice: stopped by ${signal}; removed what the run had written\n`);
      expect(existsSync(out)).to.equal(false);
      expect(readdirSync(root).filter((f) => f.includes('.partial-'))).to.deep.equal([]);
    });
  }
});
