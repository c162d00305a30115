/**
 * Loaded by mocha before any test file (.mocharc.json): every temporary file of the run, the
 * tests' own and those of the processes they start (which inherit TMPDIR), goes under one
 * directory that is removed when the run ends, so `make test` leaves nothing in the system's tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'sluice-test-run-'));
process.env.TMPDIR = root;

export const mochaHooks = {
  afterAll(): void {
    rmSync(root, { recursive: true, force: true });
  },
};
