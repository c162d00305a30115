import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyHead, countLines, throughput, type BenchResult } from '../../local/bench/flink';

describe('sluice bench flink: figures from the full run and the runs on its prefixes', () => {
  const run: BenchResult = {
    job: 'dedup-filter',
    inputRecords: 1_000_000,
    outputRecords: { processed: 980_000 },
    elapsedMs: 24_000,
    cpuMs: 40_000,
    startupElapsedMs: 6_000,
    startupCpuMs: 10_000,
    warmUpInputRecords: 200_000,
    warmUpElapsedMs: 11_000,
    warmUpCpuMs: 20_000,
  };

  it('nets start-up out of both rates, and warm-up out of the steady one', () => {
    expect(throughput(run)).to.deep.equal({
      // 1,000,000 / 18 s and / 30 CPU-s
      eventsPerSecond: 55_556,
      eventsPerCpuSecond: 33_333,
      // the last 800,000 events cost 20 CPU-s
      steadyEventsPerCpuSecond: 40_000,
    });
  });

  it('never divides by zero or less when a prefix run costs as much as the full run', () => {
    const figures = throughput({ ...run, warmUpCpuMs: run.cpuMs, startupElapsedMs: run.elapsedMs + 5 });
    expect(figures.steadyEventsPerCpuSecond).to.equal(800_000_000);
    expect(figures.eventsPerSecond).to.equal(1_000_000_000);
  });

  describe('the prefix files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-flink-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, 'events.jsonl');
    // Longer than the 4 MiB read buffer, so a head can end in the second chunk.
    const lines = Array.from({ length: 70_000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 97)}"}`);
    writeFileSync(input, `${lines.join('\n')}\n`);

    it('counts every line', () => {
      expect(countLines(input)).to.equal(70_000);
    });

    for (const head of [0, 1, 2, 53_211, 70_000, 80_000]) {
      it(`copies exactly the first ${head} lines`, () => {
        const out = join(dir, `head-${head}.jsonl`);
        copyHead(input, head, out);
        const expected = lines.slice(0, head);
        expect(readFileSync(out, 'utf8')).to.equal(expected.length === 0 ? '' : `${expected.join('\n')}\n`);
      });
    }
  });
});
