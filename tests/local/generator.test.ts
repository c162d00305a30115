import { expect } from 'chai';
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { registerGenerate } from '../../cli/commands/generate';
import { acceptedAt, EVENT_NAMES, generate, INVALID_KINDS } from '../../local/generator';
import { runSluice } from '../support/cli';

const run = (opts: Parameters<typeof generate>[0]) => {
  const g = generate(opts);
  const lines = [...g.lines];
  return { lines, stats: g.stats };
};

describe('generator', () => {
  it('produces the same bytes for the same seed and different bytes for another seed', () => {
    const opts = { events: 2000, duplicates: 0.05, invalid: 0.05, late: 0.02 };
    const a = run({ ...opts, seed: 42 }).lines;
    expect(run({ ...opts, seed: 42 }).lines).to.deep.equal(a);
    expect(run({ ...opts, seed: 43 }).lines).to.not.deep.equal(a);
  });

  it('keeps the bytes of a seed from one version to the next (benchmarks and saved runs compare against them)', () => {
    // Digests of the lines since the arrival process has a random stream of its own (which
    // changed every seed's bytes); a change to the workload must update them on purpose.
    const digest = (seed: number) => {
      const hash = createHash('sha256');
      for (const line of generate({ events: 20000, seed, duplicates: 0.05, invalid: 0.05, late: 0.02 }).lines) hash.update(`${line}\n`);
      return hash.digest('hex');
    };
    expect(digest(1)).to.equal('563071bf61919b57f612e8d55c33588ff13b7f55f8b7d8b5898b1e348ec53933');
    expect(digest(42)).to.equal('c9d90667909ebdf9b45877509f643fda312edd86a499b2a6fe1e2ae757551431');
  });

  it('knows before generating that its events are accepted one second after the latest created_at', () => {
    const cases = [
      { events: 1, seed: 5 },
      { events: 2000, seed: 1 },
      { events: 5000, seed: 42, duplicates: 0.1, invalid: 0.2, late: 0.05 },
      { events: 3000, seed: -7, late: 0.3, ratePerSecond: 3 },
      { events: 4000, seed: 9, invalid: 0.6, ratePerSecond: 2000 },
    ];
    for (const opts of cases) {
      const { stats } = run(opts);
      expect(acceptedAt(opts).getTime(), JSON.stringify(opts)).to.equal((Math.floor(stats.maxCreatedAt!) + 1) * 1000);
    }
    expect(() => acceptedAt({ events: 10, duplicates: 0.9 })).to.throw(/lower --duplicates/);
  });

  it('produces exactly the requested number of lines of each kind', () => {
    const { lines, stats } = run({ events: 10000, seed: 3, duplicates: 0.1, invalid: 0.04, late: 0.03 });
    expect(lines).to.have.length(10000);
    expect(stats).to.include({ lines: 10000, complete: true, duplicates: 1000, invalid: 400, late: 300, onTime: 8300, unique: 8600, valid: 9600 });
    expect(stats.duplicatesSecondsLater + stats.duplicatesHoursLater).to.equal(1000);
    expect(stats.duplicatesSecondsLater).to.be.greaterThan(0);
    expect(stats.duplicatesHoursLater).to.be.greaterThan(0);
    expect(Object.values(stats.invalidByKind).reduce((a, b) => a + b, 0)).to.equal(400);
    for (const kind of INVALID_KINDS) expect(stats.invalidByKind[kind], kind).to.be.greaterThan(0);
    const perName = Object.values(stats.byEventName);
    expect(perName.reduce((a, c) => a + c.onTime, 0)).to.equal(8300);
    expect(perName.reduce((a, c) => a + c.late, 0)).to.equal(300);
    // What the file holds: each line and its newline.
    expect(stats.bytes).to.equal(lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0));
  });

  it('writes ~1 KB events over 100 event names by default, the first line always a valid event', () => {
    const { lines, stats } = run({ events: 20000, seed: 1, invalid: 0.5 });
    expect(Object.keys(stats.byEventName)).to.have.length(100);
    expect(Object.keys(stats.byEventName).every((n) => EVENT_NAMES.includes(n))).to.equal(true);
    const mean = stats.bytes / stats.lines;
    expect(mean).to.be.within(900, 1200);
    expect(JSON.parse(lines[0])).to.include.keys('event_uuid', 'event_name', 'created_at');
  });

  it('restricts the names to --event-names', () => {
    const { stats } = run({ events: 3000, seed: 1, eventNames: 5 });
    expect(Object.keys(stats.byEventName)).to.have.length(5);
  });

  it('derives the base time from the seed, not the clock', () => {
    expect(run({ events: 1, seed: 0 }).stats.baseTime).to.equal(1767225600);
    expect(run({ events: 1, seed: 3 }).stats.baseTime).to.equal(1767225600 + 3 * 86400);
    expect(run({ events: 1, seed: 130 }).stats.baseTime).to.equal(1767225600 + 2 * 86400);
    expect(JSON.parse(run({ events: 1, seed: 3 }).lines[0]).created_at).to.equal(1767225600 + 3 * 86400);
  });

  it('re-sends duplicates as exact copies after their original, each original copied at most once', () => {
    const { lines, stats } = run({ events: 5000, seed: 9, duplicates: 0.2 });
    const firstIndex = new Map<string, number>();
    let copies = 0;
    lines.forEach((l, i) => {
      if (firstIndex.has(l)) copies++;
      else firstIndex.set(l, i);
    });
    expect(copies).to.equal(stats.duplicates);
    expect(new Set(lines).size).to.equal(5000 - stats.duplicates);
  });

  it('places late events at least lateBySeconds behind the largest created_at before them, on-time ones within 5 s', () => {
    const { lines } = run({ events: 5000, seed: 5, late: 0.05, lateBySeconds: [600, 3600] });
    let max = -Infinity;
    let late = 0;
    const seen = new Set<string>();
    for (const l of lines) {
      const e = JSON.parse(l);
      if (seen.has(e.event_uuid)) continue;
      seen.add(e.event_uuid);
      if (e.created_at <= max - 600) late++;
      else expect(max - e.created_at).to.be.at.most(5);
      max = Math.max(max, e.created_at);
    }
    expect(late).to.equal(250);
  });

  it('rejects shares that cannot be met, naming the option and the fix', () => {
    expect(() => generate({ events: 10, duplicates: 1.5 })).to.throw('--duplicates must be a share between 0 and 1');
    expect(() => generate({ events: 0 })).to.throw('--events must be a positive integer');
    expect(() => generate({ events: 10, duplicates: 0.6 })).to.throw('lower --duplicates');
    expect(() => generate({ events: 10, eventNames: 101 })).to.throw('--event-names must be an integer from 1 to 100');
  });
});

describe('sluice generate', () => {
  it('writes gzip when --out ends in .gz, and the statistics with --stats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const program = new Command('sluice').exitOverride();
    registerGenerate(program);
    const stderr = process.stderr.write.bind(process.stderr);
    let said = '';
    process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
    try {
      await program.parseAsync(['node', 'sluice', 'generate', '--events', '500', '--seed', '9', '--invalid', '0.1', '--out', join(dir, 'e.jsonl.gz'), '--stats', join(dir, 's.json')]);
    } finally {
      process.stderr.write = stderr;
    }
    const lines = gunzipSync(readFileSync(join(dir, 'e.jsonl.gz')))
      .toString()
      .trimEnd()
      .split('\n');
    expect(lines).to.deep.equal([...generate({ events: 500, seed: 9, invalid: 0.1 }).lines]);
    const stats = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(stats).to.include({ lines: 500, invalid: 50, complete: true });
    expect(said).to.match(/^generated 500 lines \(\d+ bytes\): 450 unique valid/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the bytes of the file it wrote, newlines included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    try {
      const run = await runSluice(['generate', '--events', '300', '--seed', '4', '--out', join(dir, 'e.jsonl')]);
      expect(run.code).to.equal(0);
      expect(run.stderr).to.match(new RegExp(`^generated 300 lines \\(${statSync(join(dir, 'e.jsonl')).size} bytes\\)`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
