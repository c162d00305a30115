import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generate } from '../../local/generator';
import { validateFile } from '../../local/validate-file';
import { runSluice } from '../support/cli';

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function runCli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return runSluice(args);
}

describe('sluice validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes valid.jsonl and errors.jsonl for a gzipped generated file, with counts matching the generator', async () => {
    const run = generate({ events: 2000, seed: 12, invalid: 0.1, duplicates: 0.03, late: 0.02 });
    const file = join(dir, 'drop.jsonl.gz');
    writeFileSync(file, gzipSync([...run.lines].join('\n')));
    const { counts, validPath, errorsPath } = await validateFile(file, join(dir, 'out1'), { source: 'partner-files', ingestedAt: new Date('2026-11-22T00:00:00Z') });
    expect(counts).to.include({ records: 2000, valid: run.stats.valid, invalid: run.stats.invalid });
    const valid = readLines(validPath);
    expect(valid).to.have.length(run.stats.valid);
    expect(valid[0]).to.include({ source: 'partner-files', ingested_at: '2026-11-22T00:00:00.000Z' });
    const errors = readLines(errorsPath);
    expect(errors).to.have.length(run.stats.invalid);
    expect(errors[0].error).to.include.keys('reasons', 'source', 'object_key', 'line');
  });

  it('reads a JSON array and prints the counts, exit status 0', async () => {
    const file = join(dir, 'array.json');
    writeFileSync(file, JSON.stringify([{ event_uuid: '00000000-0000-4000-8000-000000000001', event_name: 'page:viewed', created_at: 1767225600 }, { event_name: 'x' }], null, 2));
    const { stdout, code } = await runCli(['validate', file, '--out', join(dir, 'out2')]);
    expect(code).to.equal(0);
    expect(stdout).to.contain(`${file}: 2 records, 1 valid, 1 invalid\ninvalid by reason:\n  missing_field: 1\n`);
    const [e] = readLines(join(dir, 'out2', 'errors.jsonl'));
    expect(e.error.line).to.equal(7);
    expect(e.raw).to.equal('{\n    "event_name": "x"\n  }');
  });

  it('fails with the path and what is wrong, in words, when the file cannot be opened', async () => {
    const missing = join(dir, 'missing.jsonl');
    const run = await runCli(['validate', missing, '--out', join(dir, 'out3')]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal(`sluice validate: cannot read ${missing}: it does not exist; give the path of a JSON-lines or JSON-array file (gzip allowed)\n`);
    expect(existsSync(join(dir, 'out3'))).to.equal(false);
  });

  it('fails when the content cannot be read as events, after writing the error line', async () => {
    const file = join(dir, 'broken.gz');
    writeFileSync(file, Buffer.concat([gzipSync('{"a":1}\n'.repeat(1000)).subarray(0, 30), Buffer.alloc(40, 1)]));
    const run = await runCli(['validate', file, '--out', join(dir, 'out4')]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain(`sluice validate: ${file} could not be read as events (see ${join(dir, 'out4', 'errors.jsonl')})`);
    expect(readLines(join(dir, 'out4', 'errors.jsonl'))[0].error.reasons[0]).to.contain('starts like gzip but does not decompress');
  });
});
