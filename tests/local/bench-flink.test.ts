import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  benchRunDirectory,
  buildsInRound,
  copyHead,
  countLines,
  cpuChangePercent,
  steadyChangePercent,
  formatBuildComparison,
  throughput,
  writeBenchInput,
  type BenchResult,
  type BuildComparison,
} from '../../local/bench/flink';
import { median } from '../../local/bench/median';
import { defaultProcessingConfig } from '../../stacks/load';
import { jobSqlParameters } from '../../core/jobs';
import { runFlinkJob, runnerPaths } from '../../local/flink';
import { runSluice } from '../support/cli';
import { planCounts } from '../../local/generator';

describe('sluice bench flink: figures from the full run and the start-up run', () => {
  const run: BenchResult = {
    job: 'dedup-filter',
    inputRecords: 1_000_000,
    outputRecords: { processed: 980_000 },
    elapsedMs: 24_000,
    cpuMs: 40_000,
    startupElapsedMs: 6_000,
    startupCpuMs: 10_000,
    steady: { records: 700_000, cpuMs: 14_000 },
  };

  it('nets start-up out of both rates, and takes the steady one from its window of the full run', () => {
    expect(throughput(run)).to.deep.equal({
      // 1,000,000 / 18 s and / 30 CPU-s
      eventsPerSecond: 55_556,
      eventsPerCpuSecond: 33_333,
      // 700,000 events in 14 CPU-s
      steadyEventsPerCpuSecond: 50_000,
    });
  });

  it('never divides by zero or less, and has no steady figure for a run too short to sample', () => {
    const figures = throughput({ ...run, startupCpuMs: run.cpuMs, startupElapsedMs: run.elapsedMs + 5, steady: null });
    expect(figures).to.deep.equal({ eventsPerSecond: 1_000_000_000, eventsPerCpuSecond: 1_000_000_000, steadyEventsPerCpuSecond: null });
  });

  it("takes the steady window from the runner's samples: records read between a fifth and nine tenths of the input", async function () {
    this.timeout(180_000);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-steady-'));
    try {
      const input = join(dir, 'events.jsonl');
      const { lines } = await writeBenchInput(input, 30_000, 3);
      const params = jobSqlParameters('dedup-filter', { processing: defaultProcessingConfig() });
      const summary = await runFlinkJob({ job: 'dedup-filter', input, output: join(dir, 'out'), params, heap: '1g' });
      expect(summary.steady, JSON.stringify(summary)).to.not.equal(null);
      const steady = summary.steady!;
      // At most seven tenths of the records, give or take the last 1 MiB batch (under 1,000 lines) read.
      expect(steady.records).to.be.within(1, 0.7 * lines + 1_000);
      expect(steady.cpu_ms).to.be.within(1, summary.cpu_ms);
      expect(steady.elapsed_ms).to.be.within(1, summary.elapsed_ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe('sluice bench flink: each run in a directory of its own', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-runs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('empties it before the run, and runs aggregate over the output of the dedup-filter run', async () => {
    const work = join(dir, 'work');
    const stale = [join(benchRunDirectory(work, 'dedup-filter'), 'processed.jsonl'), join(benchRunDirectory(work, 'aggregate'), 'earlier.jsonl')];
    for (const file of stale) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '{"from":"an earlier run"}\n');
    }
    const json = join(dir, 'report.json');
    const run = await runSluice(['bench', 'flink', '--events', '200', '--work-dir', work, '--json', json]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const planned = planCounts({ events: 200, seed: 1, duplicates: 0.02, late: 0.01, invalid: 0 });
    const kept = 200 - planned.duplicates;
    expect(report.results.map((r: BenchResult) => [r.job, r.inputRecords, r.outputRecords])).to.deep.equal([
      ['dedup-filter', 200, { processed: kept }],
      ['aggregate', kept, { aggregates: report.results[1].outputRecords.aggregates, 'late-events': planned.late }],
    ]);
    expect(report.results[1].outputRecords.aggregates).to.be.above(0);
    expect(countLines(stale[0])).to.equal(kept);
    expect(existsSync(stale[1])).to.equal(false);
    expect(readdirSync(join(benchRunDirectory(work, 'dedup-filter'), 'lake', 'curated', 'events', 'metadata')).some((f) => f.endsWith('.metadata.json'))).to.equal(true);
  });
});

describe('sluice bench flink --against: this build beside another', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-against-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const comparison: BuildComparison = {
    job: 'dedup-filter',
    inputRecords: 1_000_000,
    thisBuild: { cpuMs: [41_000, 43_000, 40_000, 44_000], elapsedMs: [25_000, 26_000, 24_000, 27_000], steadyEventsPerCpuSecond: [66_000, null, 70_000, 68_000] },
    otherBuild: { cpuMs: [46_000, 45_000, 50_000], elapsedMs: [28_000, 27_000, 29_000], steadyEventsPerCpuSecond: [60_000, 64_000, 62_000] },
  };

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([7])).to.equal(7);
  });

  it("gives this build's median CPU time against the other's, signed", () => {
    // 42 s against 46 s
    expect(cpuChangePercent(comparison)).to.equal(-8.7);
    expect(cpuChangePercent({ ...comparison, thisBuild: comparison.otherBuild, otherBuild: comparison.thisBuild })).to.equal(9.5);
  });

  it("gives this build's median steady figure against the other's, over the runs long enough to sample", () => {
    // 68,000 (of three sampled runs) against 62,000
    expect(steadyChangePercent(comparison)).to.equal(9.7);
    expect(steadyChangePercent({ ...comparison, thisBuild: comparison.otherBuild, otherBuild: comparison.thisBuild })).to.equal(-8.8);
    const unsampled = { ...comparison.thisBuild, steadyEventsPerCpuSecond: [null, null] };
    expect(steadyChangePercent({ ...comparison, thisBuild: unsampled })).to.equal(null);
  });

  it('prints each run, the medians and the change', () => {
    const text = formatBuildComparison({ machine: { cpu: 'Test CPU', cores: 2, memoryGb: 24, node: 'v20' }, against: '/b/runner.jar', jobs: [comparison] });
    const [header, ours, theirs, footer] = text.split('\n');
    expect(header.split(/ {2,}/)).to.deep.equal(['job', 'build', 'events in', 'CPU s of each full run', 'median CPU s', 'median wall s', 'CPU change', 'median steady events/CPU-s', 'steady change']);
    expect(ours.trim().split(/ {2,}/)).to.deep.equal(['dedup-filter', 'this build', '1000000', '41.0 43.0 40.0 44.0', '42.0', '25.5', '-8.7%', '68000', '+9.7%']);
    expect(theirs.trim().split(/ {2,}/)).to.deep.equal(['other build', '46.0 45.0 50.0', '46.0', '28.0', '62000']);
    expect(footer).to.include('other build: /b/runner.jar');
  });

  it('runs both jobs with each build alternately and reports every run', async () => {
    const other = join(dir, 'other.jar');
    copyFileSync(runnerPaths().jar, other);
    const json = join(dir, 'comparison.json');
    const run = await runSluice(['bench', 'flink', '--events', '200', '--work-dir', join(dir, 'work'), '--against', other, '--rounds', '1', '--json', json]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.against).to.equal(other);
    expect(report.jobs.map((j: BuildComparison) => [j.job, j.thisBuild.cpuMs.length, j.otherBuild.cpuMs.length])).to.deep.equal([
      ['dedup-filter', 1, 1],
      ['aggregate', 1, 1],
    ]);
    expect(report.jobs[0].inputRecords).to.equal(200);
    // 200 events are read before the first progress sample: no steady figure, and none printed.
    expect(report.jobs[0].thisBuild.steadyEventsPerCpuSecond).to.deep.equal([null]);
    expect(run.stderr).to.include('dedup-filter round 1, this build: ');
    expect(run.stderr).to.include('dedup-filter round 1, the other build: ');
    expect(run.stdout).to.include(`other build: ${other}`);
  });

  it('alternates which build goes first, so drift over the minutes weighs on both', () => {
    expect([0, 1, 2, 3].map((round) => buildsInRound(round).join(' then '))).to.deep.equal([
      'thisBuild then otherBuild',
      'otherBuild then thisBuild',
      'thisBuild then otherBuild',
      'otherBuild then thisBuild',
    ]);
  });

  it("runs the other build's jar, not this one's", async () => {
    const notAJar = join(dir, 'not-a-runner.jar');
    writeFileSync(notAJar, 'not a jar');
    const run = await runSluice(['bench', 'flink', '--events', '20', '--work-dir', join(dir, 'work-bad'), '--against', notAJar, '--rounds', '1']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/flink job dedup-filter failed: .*dev\.sluice\.flink\.SqlRunner/);
  });

  it('refuses a jar that does not exist, and no rounds', async () => {
    const missing = await runSluice(['bench', 'flink', '--work-dir', join(dir, 'work'), '--against', join(dir, 'missing.jar')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include(`--against ${join(dir, 'missing.jar')}: no such file; give the runner jar of another build`);
    const none = await runSluice(['bench', 'flink', '--against', join(dir, 'missing.jar'), '--rounds', '0']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('--rounds must be at least 1');
  });
});
