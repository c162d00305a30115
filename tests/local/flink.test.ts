import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FlinkRunError, flinkCommand, flinkJvmOptions, localJavaCommand, runnerPaths, launchFlinkJobs, launchPlatformJobs } from '../../local/flink';
import { listLakeFiles } from '../../local/lake-files';
import { defaultProcessingConfig } from '../../stacks/load';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');
const FIXTURES = join(REPO_ROOT, 'sql', 'runner', 'src', 'test', 'resources', 'fixtures');

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [SLUICE, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

describe('sluice flink (as a process, in a Flink mini-cluster)', function () {
  // The first run may build the runner jar with Maven.
  this.timeout(300_000);

  const out = mkdtempSync(join(tmpdir(), 'sluice-flink-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const input = join(FIXTURES, 'dedup-filter.input.jsonl');

  it('runs dedup-filter then aggregate on its output, writing JSON lines', () => {
    const dedup = sluice('flink', 'dedup-filter', '--input', input, '--output', out, '--param', 'exclude_event_types=internal', '--param', 'exclude_event_names=account:deleted');
    expect(dedup.status, dedup.stderr).to.equal(0);
    expect(dedup.stdout).to.equal(`processed: 8 records -> ${join(out, 'processed.jsonl')}\n`);
    const source = lines(input);
    expect(readFileSync(join(out, 'processed.jsonl'), 'utf8')).to.equal([1, 3, 5, 9, 10, 12, 13, 14].map((n) => source[n - 1] + '\n').join(''));

    const aggregate = sluice('flink', 'aggregate', '--input', join(out, 'processed.jsonl'), '--output', out);
    expect(aggregate.status, aggregate.stderr).to.equal(0);
    expect(aggregate.stdout).to.equal(`aggregates: 4 records -> ${join(out, 'aggregates.jsonl')}\nlate-events: 3 records -> ${join(out, 'late-events.jsonl')}\n`);
    // Event 10 (00:05:00) moves the watermark to 00:04:30 and fires the 00:00 window, so 12 (30 days
    // earlier), 13 (00:00:30) and 14 (00:00:00) arrive late.
    expect(lines(join(out, 'late-events.jsonl'))).to.deep.equal([source[11], source[12], source[13]]);
    const counts = lines(join(out, 'aggregates.jsonl'))
      .map((line) => JSON.parse(line))
      .sort((a, b) => `${a.window_start}${a.event_type}${a.event_subtype}`.localeCompare(`${b.window_start}${b.event_type}${b.event_subtype}`));
    expect(counts).to.deep.equal(
      [
        { window_start: '2026-01-01T00:00:00.000Z', window_end: '2026-01-01T00:01:00.000Z', event_type: 'account', event_subtype: 'created', event_count: 2 },
        { window_start: '2026-01-01T00:00:00.000Z', window_end: '2026-01-01T00:01:00.000Z', event_type: 'account', event_subtype: 'deleted_soft', event_count: 1 },
        { window_start: '2026-01-01T00:00:00.000Z', window_end: '2026-01-01T00:01:00.000Z', event_type: 'payment', event_subtype: 'order', event_count: 1 },
        { window_start: '2026-01-01T00:05:00.000Z', window_end: '2026-01-01T00:06:00.000Z', event_type: 'session', event_subtype: 'started', event_count: 1 },
      ].sort((a, b) => `${a.window_start}${a.event_type}${a.event_subtype}`.localeCompare(`${b.window_start}${b.event_type}${b.event_subtype}`)),
    );
  });

  it('refuses an unknown parameter with exit code 2, naming it and the fix, and leaves no part files', () => {
    const refused = join(out, 'refused');
    const run = sluice('flink', 'aggregate', '--input', input, '--output', refused, '--param', 'window_size=120');
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("unknown parameter 'window_size' for job 'aggregate'");
    expect(run.stderr).to.include('Remove it or correct its name.');
    expect(existsSync(join(refused, '.parts'))).to.equal(false);
  });

  it('refuses an invalid parameter value before Flink starts', () => {
    const run = sluice('flink', 'dedup-filter', '--input', input, '--output', out, '--param', "exclude_event_types=x') OR TRUE OR ('");
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("parameter 'exclude_event_types' has an invalid value");
  });

  it('refuses an unknown job', () => {
    const run = sluice('flink', 'dedup', '--input', input, '--output', out);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('unknown job "dedup"; choose one of: dedup-filter, aggregate');
  });
});

describe('flink command line', () => {
  it('launches java with the JVM options from the pom, the jar and its classpath', function () {
    this.timeout(300_000);
    const options = flinkJvmOptions();
    expect(options).to.include('--add-opens=java.base/java.util=ALL-UNNAMED');
    expect(options).to.include('--add-opens=java.base/java.lang=ALL-UNNAMED');
    const paths = runnerPaths();
    const args = flinkCommand({ job: 'aggregate', input: 'in.jsonl', output: 'out', params: { window_seconds: '120' } });
    expect(args.slice(0, options.length)).to.deep.equal(options);
    expect(args[args.indexOf('-cp') + 1].startsWith(paths.jar + ':')).to.equal(true);
    expect(args.slice(args.indexOf('dev.sluice.flink.SqlRunner'))).to.deep.equal([
      'dev.sluice.flink.SqlRunner',
      '--job',
      'aggregate',
      '--input',
      join(process.cwd(), 'in.jsonl'),
      '--output',
      join(process.cwd(), 'out'),
      '--param',
      'window_seconds=120',
    ]);
  });

  it('maps the class archive only while it is as new as the jar, keeping the JVM quiet about it', () => {
    const root = mkdtempSync(join(tmpdir(), 'sluice-class-archive-test-'));
    try {
      const paths = runnerPaths(root);
      mkdirSync(join(root, 'sql', 'runner', 'target'), { recursive: true });
      writeFileSync(paths.jar, '');
      writeFileSync(paths.classpath, '/m2/a.jar');
      writeFileSync(paths.pom, '<flink.jvm.opens>--add-opens=java.base/java.lang=ALL-UNNAMED</flink.jvm.opens>');
      const flags = () => localJavaCommand('Main', [], '1g', paths).filter((a) => a.includes('Archive') || a.startsWith('-Xlog:cds'));
      expect(flags()).to.deep.equal([]);
      writeFileSync(paths.classArchive, '');
      utimesSync(paths.jar, new Date(1000), new Date(1000));
      expect(flags()).to.deep.equal([`-XX:SharedArchiveFile=${paths.classArchive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off']);
      utimesSync(paths.jar, new Date(), new Date(Date.now() + 60_000));
      expect(flags()).to.deep.equal([]);
      expect(localJavaCommand('Main', [], '1g', paths, { archiveClassesTo: '/x.jsa' }).filter((a) => a.includes('Archive'))).to.deep.equal(['-XX:ArchiveClassesAtExit=/x.jsa']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("has archived the runner's classes in a form its JVMs can map (ensureRunnerJar)", function () {
    this.timeout(60_000);
    const [java, ...args] = localJavaCommand('dev.sluice.flink.SqlRunner', []);
    expect(args).to.include(`-XX:SharedArchiveFile=${runnerPaths().classArchive}`);
    // -Xshare:on makes an archive the JVM cannot map a fatal error instead of a silent fallback.
    const check = spawnSync(java!, ['-Xshare:on', ...args.slice(0, args.indexOf('dev.sluice.flink.SqlRunner')), '-version'], { encoding: 'utf8' });
    expect(check.status, check.stderr + check.stdout).to.equal(0);
  });

  it('chains runs with --then and sizes the heap once for all of them', () => {
    const args = flinkCommand(
      [
        { job: 'dedup-filter', input: 'in.jsonl', output: 'd', lake: 'lake', params: { a: '1' } },
        { job: 'aggregate', input: 'd/processed.jsonl', output: 'a', params: {} },
      ],
      '3g',
    );
    expect(args).to.include.members(['-XX:+UseParallelGC', '-Xms3g', '-Xmx3g']);
    expect(args.slice(args.indexOf('dev.sluice.flink.SqlRunner') + 1)).to.deep.equal([
      ...['--job', 'dedup-filter', '--input', join(process.cwd(), 'in.jsonl'), '--output', join(process.cwd(), 'd'), '--lake', join(process.cwd(), 'lake'), '--param', 'a=1'],
      ...['--then', '--job', 'aggregate', '--input', join(process.cwd(), 'd', 'processed.jsonl'), '--output', join(process.cwd(), 'a')],
    ]);
  });
});

describe('both jobs in one JVM (launchPlatformJobs, launchFlinkJobs)', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'sluice-flink-chain-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const input = join(FIXTURES, 'dedup-filter.input.jsonl');

  it('resolves each job as it ends, aggregate over what dedup-filter wrote', async () => {
    let dedupEnded = false;
    const {
      summaries: [dedup, aggregate],
    } = launchPlatformJobs(input, join(work, 'ok'), join(work, 'ok', 'lake'), { processing: defaultProcessingConfig() });
    const aggregated = aggregate.then((summary) => ({ summary, afterDedup: dedupEnded }));
    const dedupSummary = await dedup;
    dedupEnded = true;
    expect(dedupSummary.job).to.equal('dedup-filter');
    expect(dedupSummary.outputs.processed.path).to.equal(join(work, 'ok', 'dedup-filter', 'processed.jsonl'));
    const { summary, afterDedup } = await aggregated;
    expect(afterDedup).to.equal(true);
    expect(summary.job).to.equal('aggregate');
    const counted = lines(join(work, 'ok', 'aggregate', 'aggregates.jsonl')).reduce((sum, line) => sum + (JSON.parse(line) as { event_count: number }).event_count, 0);
    expect(counted + summary.outputs['late-events'].records).to.equal(dedupSummary.outputs.processed.records);
    // Each table's live files, as the lake's own listing gives them after the run.
    const listed = listLakeFiles(join(work, 'ok', 'lake'));
    expect(summary.lake.tables).to.deep.equal({ events: listed.events, aggregates: listed.aggregates });
    expect(summary.lake.tables.events.files.length).to.be.greaterThan(0);
    expect(dedupSummary.lake.tables).to.have.keys('events');
    // Written as they are, with no Hadoop checksum file beside each (LocalLake.hadoopConfiguration).
    const lakeFiles = readdirSync(join(work, 'ok', 'lake'), { recursive: true, encoding: 'utf8' });
    expect(lakeFiles.filter((file) => file.endsWith('.parquet')).length).to.be.greaterThan(1);
    expect(lakeFiles.filter((file) => file.endsWith('.metadata.json')).length).to.be.greaterThan(1);
    expect(lakeFiles.filter((file) => file.endsWith('.crc'))).to.deep.equal([]);
  });

  it("fails the later job with the runner's reason and keeps the earlier one", async () => {
    const {
      summaries: [first, second],
    } = launchFlinkJobs([
      { job: 'dedup-filter', input, output: join(work, 'bad', 'd'), params: { exclude_event_types: '', exclude_event_names: '', dedup_ttl_seconds: '86400', max_future_skew_seconds: '301' } },
      { job: 'aggregate', input: join(work, 'bad', 'd', 'processed.jsonl'), output: join(work, 'bad', 'a'), params: { window_seconds: 'soon', allowed_lateness_seconds: '30' } },
    ]);
    expect((await first).outputs.processed.records).to.equal(11);
    const failure = await second.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(FlinkRunError);
    expect((failure as FlinkRunError).message).to.match(/^flink job aggregate failed: .*window_seconds/);
    expect((failure as FlinkRunError).exitCode).to.equal(2);
  });

  it("reads dedup-filter's input while it is appended to, and ends once it is marked complete", async () => {
    const growing = join(work, 'growing', 'events.jsonl');
    mkdirSync(dirname(growing), { recursive: true });
    writeFileSync(growing, '');
    const jobs = launchPlatformJobs(growing, join(work, 'growing'), join(work, 'growing', 'lake'), { processing: defaultProcessingConfig() }, {}, { inputCompleteWhen: `${growing}.complete` });
    let settled = false;
    void Promise.allSettled(jobs.summaries).then(() => (settled = true));
    // Half the lines, the second half cut inside a line, then the rest: every line is in the file,
    // and the job still waits for the marker.
    const text = readFileSync(input);
    const cut = text.indexOf('\n', text.length / 2) - 5;
    appendFileSync(growing, text.subarray(0, cut));
    await new Promise((done) => setTimeout(done, 3000));
    appendFileSync(growing, text.subarray(cut));
    await new Promise((done) => setTimeout(done, 3000));
    expect(settled).to.equal(false);
    writeFileSync(`${growing}.complete`, '');
    const [dedup, aggregate] = await Promise.all(jobs.summaries);
    expect(dedup.outputs.processed.records).to.equal(10);
    expect(aggregate.outputs.aggregates.records).to.be.greaterThan(0);
  });

  it('ends the JVM when its caller stops before the input is complete, failing every job', async () => {
    const growing = join(work, 'abandoned', 'events.jsonl');
    mkdirSync(dirname(growing), { recursive: true });
    writeFileSync(growing, readFileSync(input));
    // The runner's scratch directories (Files.createTempDirectory("sluice-flink-")) before it starts.
    const scratchDirs = () => readdirSync(tmpdir()).filter((name) => /^sluice-flink-\d+$/.test(name));
    const before = scratchDirs();
    const jobs = launchPlatformJobs(growing, join(work, 'abandoned'), join(work, 'abandoned', 'lake'), { processing: defaultProcessingConfig() }, {}, { inputCompleteWhen: `${growing}.complete` });
    const created = () => scratchDirs().filter((name) => !before.includes(name));
    while (created().length === 0) await new Promise((done) => setTimeout(done, 100));
    const jvmScratch = created();
    jobs.stop();
    for (const summary of jobs.summaries) {
      const failure = await summary.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).to.be.instanceOf(FlinkRunError);
      expect((failure as FlinkRunError).message).to.match(/^flink job (dedup-filter|aggregate) ended without a summary/);
    }
    // It exited through its shutdown hooks, which remove its scratch directory.
    expect(scratchDirs().filter((name) => jvmScratch.includes(name))).to.deep.equal([]);
  });
});
