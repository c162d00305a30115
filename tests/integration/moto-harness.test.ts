import { expect } from 'chai';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMoto } from '../support/moto';

describe('moto harness', () => {
  it('says how to install moto when the configured Python lacks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-moto-'));
    const fakePython = join(dir, 'python');
    writeFileSync(fakePython, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'moto\'" >&2\nexit 1\n');
    chmodSync(fakePython, 0o755);
    const saved = process.env.SLUICE_PYTHON;
    process.env.SLUICE_PYTHON = fakePython;
    try {
      await startMoto();
      expect.fail('startMoto should have failed');
    } catch (err) {
      expect((err as Error).message).to.equal(
        `moto server is not available to ${fakePython} (ModuleNotFoundError: No module named 'moto'); run \`make test\` (it installs requirements.txt into .venv), or \`python3 -m venv .venv && .venv/bin/pip install -r requirements.txt\`, or set SLUICE_PYTHON to a Python with moto[server]`,
      );
    } finally {
      if (saved === undefined) delete process.env.SLUICE_PYTHON;
      else process.env.SLUICE_PYTHON = saved;
    }
  });
});
