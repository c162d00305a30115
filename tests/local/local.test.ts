import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadRegistry } from '../../core/events/registry';
import { createContext, validateLine } from '../../core/events/validate';
import { FlinkRunError } from '../../local/flink';
import { generate } from '../../local/generator';
import { runLocal } from '../../local/run';
import { queryLocalLake } from '../../local/lake';
import { ICEBERG_TABLES, icebergType } from '../../core/lake/schema';
import { ICEBERG_TABLE_PROPERTIES } from '../../core/lake/iceberg';
import type { LocalReport } from '../../local/report';
import { loadStackFile } from '../../stacks/file';
import { REPO_ROOT } from '../support/pulumi';

const SLUICE = join(REPO_ROOT, 'cli', 'bin', 'sluice.js');
const GENERATOR = { events: 3000, seed: 11, duplicates: 0.06, invalid: 0.04, late: 0.03 };

function sluiceLocal(...args: string[]) {
  const run = spawnSync(process.execPath, [SLUICE, 'local', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function generatorArgs(out: string): string[] {
  return [
    '--events',
    String(GENERATOR.events),
    '--seed',
    String(GENERATOR.seed),
    '--duplicates',
    String(GENERATOR.duplicates),
    '--invalid',
    String(GENERATOR.invalid),
    '--late',
    String(GENERATOR.late),
    '--out',
    out,
  ];
}

describe('sluice local (end to end, real Flink and DuckDB)', function () {
  this.timeout(600000);
  const root = mkdtempSync(join(tmpdir(), 'sluice-local-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const first = join(root, 'first');
  const second = join(root, 'second');
  let report: LocalReport;
  let again: LocalReport;
  let stdout = '';
  let stderr = '';

  before(() => {
    const run = sluiceLocal(...generatorArgs(first));
    stdout = run.stdout;
    stderr = run.stderr;
    expect(run.status, run.stderr).to.equal(0);
    report = JSON.parse(readFileSync(join(first, 'report.json'), 'utf8'));
    const rerun = sluiceLocal(...generatorArgs(second));
    expect(rerun.status, rerun.stderr).to.equal(0);
    again = JSON.parse(readFileSync(join(second, 'report.json'), 'utf8'));
  });

  it('counts exactly what the generator says it produced', () => {
    const { stats } = (() => {
      const generation = generate(GENERATOR);
      for (const _ of generation.lines);
      return generation;
    })();
    const { excludeEventTypes, excludeEventNames } = loadStackFile('dev', REPO_ROOT).processing;
    const excluded = (name: string) => excludeEventNames.includes(name) || excludeEventTypes.includes(name.split(':')[0]);
    const names = Object.entries(stats.byEventName);
    const filtered = names.filter(([n]) => excluded(n)).reduce((sum, [, c]) => sum + c.onTime + c.late, 0);
    const lateKept = names.filter(([n]) => !excluded(n)).reduce((sum, [, c]) => sum + c.late, 0);
    expect(filtered, 'the generator draws excluded names, so the filter has work').to.be.greaterThan(0);

    expect(report.read).to.equal(GENERATOR.events);
    expect(report.generated).to.deep.equal(stats);
    // Accepted one second after the latest created_at, although the run knew it before the first line.
    expect(report.ingested_at).to.equal(new Date((Math.floor(stats.maxCreatedAt!) + 1) * 1000).toISOString());
    expect(report.valid).to.equal(stats.valid);
    expect(report.invalid).to.equal(stats.invalid);
    expect(report.invalid_by_reason).to.deep.equal(Object.fromEntries(Object.entries(stats.invalidByKind).filter(([, n]) => n > 0)));
    expect(report.duplicates_removed).to.equal(stats.duplicates);
    expect(report.filtered).to.equal(filtered);
    expect(report.filtered_by_rule.excluded_event_type + report.filtered_by_rule.excluded_event_name + report.filtered_by_rule.future_skew).to.equal(filtered);
    expect(report.processed).to.equal(stats.unique - filtered);
    expect(report.late).to.equal(lateKept);
    expect(report.aggregate_rows).to.be.greaterThan(0);
    expect(report.parquet_files).to.be.greaterThan(0);
    expect(report.parquet_bytes).to.be.greaterThan(0);
    for (const stage of ['generate', 'ingest', 'dedup_filter', 'aggregate', 'lake', 'queries'] as const) {
      expect(report.stages[stage]!.seconds, stage).to.be.greaterThan(0);
      expect(report.stages[stage]!.events_per_second, stage).to.be.greaterThan(0);
    }
  });

  it('puts every valid event that passes the filter in the lake exactly once', async () => {
    const { excludeEventTypes, excludeEventNames } = loadStackFile('dev', REPO_ROOT).processing;
    const ctx = createContext({ source: 'local', registry: loadRegistry(), ingestedAt: new Date(report.ingested_at) });
    const expected = new Set<string>();
    for (const line of generate(GENERATOR).lines) {
      const result = validateLine(line, ctx);
      if (!result.ok) continue;
      const { event_uuid, event_name, event_type } = result.envelope;
      if (!excludeEventTypes.includes(event_type) && !excludeEventNames.includes(event_name)) expected.add(event_uuid);
    }
    const { rows } = await queryLocalLake(join(first, 'lake'), 'SELECT event_uuid FROM events');
    const stored = rows.map((r) => r[0]!);
    expect(stored.length).to.equal(expected.size);
    expect(new Set(stored).size).to.equal(stored.length);
    expect([...stored].sort()).to.deep.equal([...expected].sort());
  });

  it('archives every valid event, enriched and in input order, in the raw file of the hour it was accepted', () => {
    const ctx = createContext({ source: 'local', registry: loadRegistry(), ingestedAt: new Date(report.ingested_at) });
    const expected: string[] = [];
    for (const line of generate(GENERATOR).lines) {
      const result = validateLine(line, ctx);
      if (result.ok) expected.push(`${result.json}\n`);
    }
    const [date, time] = report.ingested_at.split('T');
    const raw = join(first, 'lake', 'raw');
    expect(readdirSync(raw)).to.deep.equal([`dt=${date}`]);
    expect(readdirSync(join(raw, `dt=${date}`))).to.deep.equal([`hour=${time.slice(0, 2)}`]);
    expect(readdirSync(join(raw, `dt=${date}`, `hour=${time.slice(0, 2)}`))).to.deep.equal(['local.json.gz']);
    expect(gunzipSync(readFileSync(join(raw, `dt=${date}`, `hour=${time.slice(0, 2)}`, 'local.json.gz'))).toString('utf8')).to.equal(expected.join(''));
  });

  it('lays the lake out like the S3 lake, with the error zone beside it', () => {
    const events = join(first, 'lake', 'curated', 'events');
    expect(readdirSync(events).sort()).to.deep.equal(['data', 'metadata']);
    expect(readdirSync(join(events, 'data')).every((d) => /^event_type=[a-z0-9_]+$/.test(d))).to.equal(true);
    const typeDir = join(events, 'data', readdirSync(join(events, 'data'))[0]);
    expect(readdirSync(typeDir).every((d) => /^created_datetime_day=\d{4}-\d{2}-\d{2}$/.test(d))).to.equal(true);
    expect(readdirSync(join(first, 'lake', 'curated', 'aggregates', 'data')).every((d) => /^window_start_day=\d{4}-\d{2}-\d{2}$/.test(d))).to.equal(true);
    expect(readdirSync(join(first, 'lake', 'raw'))[0]).to.match(/^dt=\d{4}-\d{2}-\d{2}$/);
    const errorDir = join(first, 'errors', 'source=local');
    const [dt] = readdirSync(errorDir);
    const [file] = readdirSync(join(errorDir, dt));
    const lines = readFileSync(join(errorDir, dt, file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).to.have.length(report.invalid);
    expect(lines[0].error.source).to.equal('local');
    expect(lines[0].error.line).to.be.a('number');
    expect(lines[0].raw).to.be.a('string');
    expect(readdirSync(join(first, 'lake', 'errors'))).to.deep.equal(['source=local']);
    expect(existsSync(join(first, '.work'))).to.equal(false);
  });

  it("writes Iceberg v2 tables with the columns and partition spec of core/lake/schema.ts and the cloud tables' file format", () => {
    for (const table of ICEBERG_TABLES) {
      const metadataDir = join(first, 'lake', table.prefix, 'metadata');
      const version = readFileSync(join(metadataDir, 'version-hint.text'), 'utf8').trim();
      const metadata = JSON.parse(readFileSync(join(metadataDir, `v${version}.metadata.json`), 'utf8'));
      expect(metadata['format-version'], table.name).to.equal(2);
      expect(metadata.location, table.name).to.equal(join(first, 'lake', table.prefix).replace(/\/$/, ''));
      const schema = metadata.schemas.find((s: { 'schema-id': number }) => s['schema-id'] === metadata['current-schema-id']);
      expect(
        schema.fields.map((f: { name: string; type: string }) => [f.name, f.type]),
        table.name,
      ).to.deep.equal(table.columns.map((c) => [c.name, icebergType(c.type)]));
      const spec = metadata['partition-specs'].find((s: { 'spec-id': number }) => s['spec-id'] === metadata['default-spec-id']);
      const byId = new Map(schema.fields.map((f: { id: number; name: string }) => [f.id, f.name]));
      expect(
        spec.fields.map((f: { 'source-id': number; transform: string; name: string }) => ({ source: byId.get(f['source-id']), transform: f.transform, name: f.name })),
        table.name,
      ).to.deep.equal(table.partitionSpec.map((f) => ({ ...f })));
      // LocalLake.TABLE_PROPERTIES (Java) must write the Parquet files the cloud tables' properties ask for.
      for (const key of ['write.format.default', 'write.parquet.compression-codec', 'write.parquet.compression-level', 'parquet.enable.dictionary']) {
        expect(metadata.properties[key], `${table.name} ${key}`).to.equal(ICEBERG_TABLE_PROPERTIES[key]);
      }
    }
  });

  it('writes Parquet files as those properties ask: zstd, and no dictionary pages', async () => {
    for (const table of ICEBERG_TABLES) {
      const dataDir = join(first, 'lake', table.prefix, 'data');
      const files = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
      expect(files, table.name).to.not.be.empty;
      const paths = files.map((f) => `'${join(dataDir, f)}'`).join(', ');
      const chunks = await queryLocalLake(join(first, 'lake'), `SELECT DISTINCT compression, dictionary_page_offset IS NULL AS no_dictionary, encodings FROM parquet_metadata([${paths}])`);
      expect(
        chunks.rows.map(([compression, noDictionary]) => [compression, noDictionary]),
        table.name,
      ).to.deep.equal([['ZSTD', 'true']]);
      expect(
        chunks.rows.every(([, , encodings]) => !/DICTIONARY/.test(encodings ?? '')),
        table.name,
      ).to.equal(true);
    }
  });

  it('runs every named query and prints the report', () => {
    const names = readdirSync(join(REPO_ROOT, 'sql', 'athena'))
      .map((f) => f.replace(/\.sql$/, ''))
      .sort();
    expect(Object.keys(report.queries).sort()).to.deep.equal(names);
    for (const name of names) expect(report.queries[name].rows.length, name).to.be.greaterThan(0);
    expect(stdout)
      .to.include('duplicates removed')
      .and.include('Named queries on the local lake')
      .and.include(`report:     ${join(first, 'report.json')}`);
    expect(stderr).to.match(/\[dedup_filter\] done: [\d,]+ events in \d+\.\d\d s, [\d,]+ events\/s\n/);
  });

  it('says where the lake and the error zone are, and prints a query command that runs on them', () => {
    expect(report.lake).to.equal(join(first, 'lake'));
    expect(report.error_zone).to.match(new RegExp(`^${join(first, 'errors', 'source=local')}/dt=\\d{4}-\\d{2}-\\d{2}/local-00000\\.jsonl$`));
    expect(existsSync(report.error_zone!)).to.equal(true);
    expect(stdout).to.include(`lake:       ${join(first, 'lake')} (raw/, curated/events/, curated/aggregates/, errors/)\n`);
    expect(stdout).to.include(`error zone: ${report.error_zone} (${report.invalid.toLocaleString('en-US')} lines)\n`);
    const q = report.queries['events-per-type-per-hour'];
    const command = `npx sluice query events-per-type-per-hour --local ${join(first, 'lake')} --param from_date=${q.params.from_date} --param to_date=${q.params.to_date}`;
    expect(stdout).to.include(`Query the lake:\n  ${command}\n`);
    const run = spawnSync(process.execPath, [SLUICE, ...command.split(' ').slice(2)], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.equal(`${q.rows.length} row(s)\n`);
  });

  it('gives the same counts and query results when run again with the same seed', () => {
    const counts = (r: LocalReport) => ({ ...r, stages: undefined, total_seconds: undefined, queries: undefined, lake: undefined, error_zone: undefined });
    expect(counts(again)).to.deep.equal(counts(report));
    // Data freshness is measured against the clock, so its seconds-since column moves between runs.
    const stable = (r: LocalReport) => Object.fromEntries(Object.entries(r.queries).map(([name, q]) => [name, name === 'data-freshness' ? q.rows.map((row) => row.slice(0, -1)) : q.rows]));
    expect(stable(again)).to.deep.equal(stable(report));
  });

  it('finishes a file with no valid event: exit 0, 0 processed, its error zone kept, the queries skipped and said so', () => {
    const input = join(root, 'all-invalid.jsonl');
    writeFileSync(input, ['not json', '{"event_name":"x"}', '[1,2]'].join('\n') + '\n');
    const out = join(root, 'all-invalid');
    const run = sluiceLocal('--input', input, '--out', out);
    expect(run.status, run.stderr).to.equal(0);
    const empty: LocalReport = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(empty).to.include({ read: 3, valid: 0, invalid: 3, duplicates_removed: 0, filtered: 0, processed: 0, late: 0, aggregate_rows: 0, parquet_files: 0 });
    expect(readFileSync(empty.error_zone!, 'utf8').trim().split('\n')).to.have.length(3);
    const names = readdirSync(join(REPO_ROOT, 'sql', 'athena')).map((f) => f.replace(/\.sql$/, ''));
    const skipped = names.filter((name) => empty.queries[name].skipped !== undefined);
    expect(skipped.length, 'queries with a date parameter have nothing to read').to.be.greaterThan(0);
    for (const name of skipped) {
      expect(empty.queries[name].skipped).to.match(/^the lake holds no events, so there is no value for its parameter \w+$/);
      expect(run.stdout).to.include(`-- ${name}: skipped, ${empty.queries[name].skipped}\n`);
    }
    expect(run.stdout).to.include(`error zone: ${empty.error_zone} (3 lines)`);
  });

  describe('bad input: a clear message, a non-zero exit and no lake left behind', () => {
    const cases: Array<[string, () => string[], RegExp]> = [
      ['a file that does not exist', () => ['--input', join(root, 'missing.jsonl')], /--input .*missing\.jsonl does not exist/],
      ['a directory', () => ['--input', root], /--input .* is a directory; give one events file/],
      [
        'a binary file',
        () => {
          const path = join(root, 'image.bin');
          writeFileSync(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
          return ['--input', path];
        },
        /looks like a binary file, not text/,
      ],
      [
        'an unwritable --out',
        () => {
          const blocker = join(root, 'a-file');
          writeFileSync(blocker, 'not a directory');
          return ['--events', '100', '--out', join(blocker, 'out')];
        },
        /cannot write --out .*a-file\/out: a part of the path is a file, not a directory; choose a directory you can write to/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const out = join(root, `bad-${what.replace(/\W+/g, '-')}`);
        const argv = args();
        const run = sluiceLocal(...(argv.includes('--out') ? argv : [...argv, '--out', out]));
        expect(run.status).to.equal(1);
        expect(run.stderr).to.match(message);
        expect(existsSync(out)).to.equal(false);
        expect(readdirSync(root).filter((f) => f.includes('.partial-'))).to.deep.equal([]);
      });
    }

    it('refuses an --out that holds other files, and leaves them alone', () => {
      const out = join(root, 'precious');
      mkdirSync(out);
      writeFileSync(join(out, 'notes.txt'), 'keep me');
      const run = sluiceLocal('--events', '100', '--out', out);
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include('already holds files that are not a previous local run (no report.json)');
      expect(readdirSync(out)).to.deep.equal(['notes.txt']);
    });
  });

  it("ends with the Flink job's error and stops generating when the job fails while events are accepted", async () => {
    const out = join(root, 'failed-job');
    const stages: string[] = [];
    const failure = await runLocal({
      out,
      events: 500_000,
      seed: 3,
      duplicates: 0.05,
      invalid: 0.02,
      late: 0.01,
      stack: 'dev',
      source: 'local',
      // A heap the JVM refuses: dedup-filter fails while the generator has most of its events to go.
      heap: '1m',
      progress: (update) => {
        if (update.done) stages.push(update.stage);
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(FlinkRunError);
    expect((failure as Error).message).to.match(/^flink job dedup-filter failed: .*heap/is);
    expect(stages).to.not.include('ingest');
    expect(existsSync(out)).to.equal(false);
  });
});
