import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INGEST_BENCH_DIR } from '../../local/bench/ingest';
import { runSluice } from '../support/cli';

describe('sluice bench: where its files go', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const file = join(INGEST_BENCH_DIR, 'events-1mib.jsonl');
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(file, { force: true });
  });

  it('bench ingest --json writes the figures to the file, and says where it keeps its large file', async () => {
    const json = join(dir, 'ingest.json');
    const run = await runSluice(['bench', 'ingest', '--events', '200', '--rounds', '1', '--file-mb', '1', '--json', json]);
    expect(run.code, run.stderr).to.equal(0);
    const figures = JSON.parse(readFileSync(json, 'utf8'));
    expect(figures.throughput.events).to.equal(200);
    expect(figures.memory.fileBytes).to.be.greaterThan(1_000_000);
    expect(run.stderr).to.include(`kept ${file} (1 MiB) for the next run; --clean removes it\n`);
    expect(run.stderr).to.include(`report: ${json}\n`);
    expect(existsSync(file)).to.equal(true);
  });

  it('bench ingest --clean removes its large file after the run', async () => {
    const run = await runSluice(['bench', 'ingest', '--events', '200', '--rounds', '1', '--file-mb', '1', '--clean']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include(`reusing ${file} (1 MiB, written by an earlier run)\n`);
    expect(run.stderr).to.include(`removed ${file} (--clean)\n`);
    expect(existsSync(file)).to.equal(false);
  });
});
