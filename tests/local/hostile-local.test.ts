import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLocalLake } from '../../local/lake';
import type { LocalReport } from '../../local/report';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');
const uuid = (n: number) => `7d4f2a5e-1c3b-4e8a-9f0d-${String(n).padStart(12, '0')}`;
const ev = (n: number, payload: string, uuidText = uuid(n)) => `{"event_uuid":"${uuidText}","event_name":"page:viewed","created_at":1767225600,${payload}}`;

/**
 * Seven distinct valid events, each at the edge of what a downstream reader accepts or written
 * the way a re-serialisation would change, and the hostile events the issue found beyond them.
 */
const VALID: Array<[number, string]> = [
  [1, '"deep":' + '['.repeat(999) + ']'.repeat(999)],
  [2, '"long":' + '9'.repeat(1000)],
  [3, '"big":12345678901234567890,"neg":-0,"huge":1e400,"tiny":-4.9e-324'],
  [4, '"esc":"caf\\u00e9 \\/ \\ud83d\\ude00 \\"q\\"","z":1,"a":2'],
  [5, '"__proto__":{"admin":true},"constructor":{"prototype":1}'],
  [6, '"frac":-' + '1'.repeat(500) + '.' + '2'.repeat(498)],
  [7, '"spaced" : [ 1 , 2 ] , "nested":{"b":{"c":[{}]}}'],
];
const HOSTILE = [
  ev(8, '"deep":' + '['.repeat(1000) + ']'.repeat(1000)),
  ev(9, '"long":' + '9'.repeat(1001)),
  ev(10, '"deep":' + '['.repeat(5000) + ']'.repeat(5000)),
  ev(11, '"long":-' + '1'.repeat(3000)),
  ev(12, '"a":1,"a":2'),
  ev(13, '"Source":"elsewhere"'),
];

describe('sluice local --input: hostile events (real Flink and DuckDB)', function () {
  this.timeout(600000);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-hostile-'));
  const input = join(dir, 'events.jsonl');
  const out = join(dir, 'out');
  const invalidUtf8 = Buffer.concat([Buffer.from(ev(14, '"s":"').slice(0, -1)), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  let report: LocalReport;

  before(() => {
    // Event 3 is also sent with its UUID in upper case: normalised, it is a copy of event 3.
    const lines = [...VALID.map(([n, p]) => ev(n, p)), ev(3, VALID[2][1], uuid(3).toUpperCase()), ...HOSTILE];
    writeFileSync(input, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), invalidUtf8, Buffer.from('\n')]));
    const run = spawnSync(process.execPath, [SLUICE, 'local', '--input', input, '--out', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).to.equal(0);
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  });

  it('passes the 7 distinct valid events through dedup-filter: 7 in, 7 out', () => {
    expect({ read: report.read, valid: report.valid, invalid: report.invalid, duplicates: report.duplicates_removed, processed: report.processed }).to.deep.equal({
      read: 15,
      valid: 8,
      invalid: 7,
      duplicates: 1,
      processed: 7,
    });
    expect(report.invalid_by_reason).to.deep.equal({ beyond_reader_limits: 4, duplicate_key: 1, case_collision: 1, invalid_utf8: 1 });
  });

  it('stores every payload in the lake exactly as it was sent', async () => {
    const { rows } = await queryLocalLake(join(out, 'lake'), 'SELECT event_uuid, payload FROM events ORDER BY event_uuid');
    expect(rows).to.deep.equal(VALID.map(([n, p]) => [uuid(n), `{${p}}`]));
  });

  it('keeps every refused event in the error zone with its exact bytes', () => {
    const zone = join(out, 'errors');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
    };
    walk(zone);
    const records = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n')).map((l) => JSON.parse(l) as { raw?: string; raw_base64?: string });
    expect(records.filter((r) => r.raw !== undefined).map((r) => r.raw)).to.deep.equal(HOSTILE);
    expect(records.filter((r) => r.raw_base64 !== undefined).map((r) => Buffer.from(r.raw_base64!, 'base64').equals(invalidUtf8))).to.deep.equal([true]);
  });
});
