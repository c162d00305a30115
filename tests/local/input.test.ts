import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../../core/user-error';
import { checkInput } from '../../local/input';
import { prepareOutput } from '../../local/output';

describe('local mode: input and output checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-input-'));
  const binary = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 131) % 256));

  it('accepts JSON lines, plain or gzip, even when the gzip is longer than the sample read', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ event_uuid: `${i}`, text: 'é'.repeat(40) })).join('\n');
    writeFileSync(join(dir, 'events.jsonl'), lines);
    writeFileSync(join(dir, 'events.jsonl.gz'), gzipSync(lines));
    expect(() => checkInput(join(dir, 'events.jsonl'))).not.to.throw();
    expect(() => checkInput(join(dir, 'events.jsonl.gz'))).not.to.throw();
  });

  it('refuses binary content, also inside gzip', () => {
    writeFileSync(join(dir, 'blob.gz'), gzipSync(binary));
    expect(() => checkInput(join(dir, 'blob.gz'))).to.throw(UserError, /blob\.gz looks like a binary file, not text/);
  });

  it('refuses a file that starts like gzip but is not', () => {
    writeFileSync(join(dir, 'broken.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), binary]));
    expect(() => checkInput(join(dir, 'broken.gz'))).to.throw(UserError, /starts like gzip but cannot be decompressed/);
  });

  it('replaces a previous run and refuses a file in place of --out', () => {
    const previous = join(dir, 'previous');
    mkdirSync(previous);
    writeFileSync(join(previous, 'report.json'), '{}');
    const output = prepareOutput(previous);
    writeFileSync(join(output.scratch, 'report.json'), '{"new":true}');
    output.finish();
    expect(readFileSync(join(previous, 'report.json'), 'utf8')).to.equal('{"new":true}');
    expect(existsSync(output.scratch)).to.equal(false);
    writeFileSync(join(dir, 'plain-file'), 'x');
    expect(() => prepareOutput(join(dir, 'plain-file'))).to.throw(UserError, /exists and is not a directory/);
  });
});
