import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/pulumi';

/** Everything that ships: the Pulumi program, the functions, the CLI, the policy pack and what they import. */
const SHIPPED = ['index.ts', 'core', 'functions', 'infra', 'stacks', 'cli', 'local', 'ops', 'policy'];

function sources(path: string): string[] {
  if (statSync(path).isFile()) return /\.(ts|js)$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((entry) => (entry === 'node_modules' ? [] : sources(join(path, entry))));
}

describe('licences', () => {
  it('keeps the AGPL policy engine (@cloud-copilot/iam-simulate and its iam-policy) out of everything that ships', () => {
    const importers = SHIPPED.flatMap((p) => sources(join(REPO_ROOT, p))).filter((file) => /@cloud-copilot\//.test(readFileSync(file, 'utf8')));
    expect(importers.map((f) => relative(REPO_ROOT, f))).to.deep.equal([]);
  });
});
