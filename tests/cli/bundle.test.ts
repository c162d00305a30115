import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The launcher is plain CommonJS so that it runs before anything is compiled.
const bundle = require('../../cli/bin/bundle.js') as {
  bundlePath(root: string): string;
  build(root: string): Promise<string>;
  isStale(root: string): boolean;
  loadCli(root: string): Promise<{ main(argv: string[]): Promise<void>; where(): string }>;
};

describe('sluice: the CLI bundle', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  before(() => {
    // A checkout in miniature: cli/index.ts importing a core module that finds files beside itself.
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, 'core', 'data'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{}');
    writeFileSync(join(root, 'core', 'where.ts'), "import { join } from 'node:path';\nexport const DATA = join(__dirname, 'data');\n");
    writeFileSync(join(root, 'cli', 'index.ts'), "import { DATA } from '../core/where';\nexport const where = (): string => DATA;\nexport async function main(): Promise<void> {}\n");
  });

  it('is built on first use (a fresh clone has none), and each module keeps its own __dirname', async () => {
    expect(bundle.isStale(root)).to.equal(true);
    const cli = await bundle.loadCli(root);
    expect(bundle.isStale(root)).to.equal(false);
    expect(cli.where()).to.equal(join(root, 'core', 'data'));
  });

  it('is rebuilt when a source is newer than it', async () => {
    await bundle.build(root);
    expect(bundle.isStale(root)).to.equal(false);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'core', 'where.ts'), later, later);
    expect(bundle.isStale(root)).to.equal(true);
    await bundle.build(root);
    utimesSync(bundle.bundlePath(root), new Date(Date.now() + 120_000), new Date(Date.now() + 120_000));
    expect(bundle.isStale(root)).to.equal(false);
  });
});
