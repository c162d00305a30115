import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSluice } from '../support/cli';
import { buildFixtureLake } from '../support/lake-fixture';

/**
 * Every error a user can cause, through main(): its exit code (1 bad input or failed run, 2 usage)
 * and its whole message, which names the input and the fix and carries no errno code or stack.
 */
describe('sluice: errors a user can cause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-errors-'));
  const file = join(dir, 'events.jsonl');
  const missing = join(dir, 'nodir');
  let lake: string;
  before(async () => {
    writeFileSync(file, '{}\n');
    lake = await buildFixtureLake();
  });
  // The fixture lake is shared by every suite of the run and removed when the process exits.
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, () => string[], 1 | 2, () => string | RegExp][] = [
    // Usage: commander prints these itself.
    ['an unknown command', () => ['nocmd'], 2, () => "error: unknown command 'nocmd'\n(run with --help for usage)\n"],
    ['an invalid option value', () => ['generate', '--events', 'x'], 2, () => "error: option '--events <n>' argument 'x' is invalid. expected an integer, got \"x\"\n(run with --help for usage)\n"],
    ['a missing required option', () => ['config', 'check'], 2, () => "error: required option '-s, --stack <name>' not specified\n(run with --help for usage)\n"],
    ['flink: an unknown job', () => ['flink', 'dedup', '--input', file, '--output', dir], 2, () => 'sluice flink: unknown job "dedup"; choose one of: dedup-filter, aggregate\n'],
    ['query: no query name', () => ['query', '--local', lake], 2, () => 'sluice query: give a named query, e.g. sluice query latest-events --stack dev (sluice query --list shows them)\n'],
    [
      'query: both --stack and --local',
      () => ['query', 'latest-events', '--stack', 'dev', '--local', lake],
      2,
      () => 'sluice query: give exactly one of --stack <name> (Athena) or --local <dir> (DuckDB)\n',
    ],
    ['promote: the same stack as source and target', () => ['promote', '--from', 'dev', '--to', 'dev'], 2, () => 'sluice promote: --from and --to both name dev; promote from another stack\n'],
    [
      'promote: a malformed release id',
      () => ['promote', '--from', 'dev', '--to', 'prod', '--release', 'v1'],
      2,
      () => 'sluice promote: --release "v1" is not a release id (16 lower-case hex digits, as `sluice release` prints it)\n',
    ],
    [
      'archive verify: a malformed --from',
      () => ['archive', 'verify', '--local', lake, '--from', '17.3.2026', '--to', '2026-03-17'],
      2,
      () => 'sluice archive verify: --from "17.3.2026" is not a UTC date or hour; give YYYY-MM-DD (a whole day) or YYYY-MM-DDTHH (one hour), e.g. 2026-03-17 or 2026-03-17T09\n',
    ],
    // Bad input.
    [
      'config check: a stack without a file',
      () => ['config', 'check', '--stack', 'nope', '--dir', dir],
      1,
      () =>
        `sluice config check: stack "nope" has 1 configuration error:\n  - ${join(dir, 'Pulumi.nope.yaml')} does not exist; create it (copy Pulumi.dev.yaml and edit it) or pick an existing stack with --stack\n`,
    ],
    [
      'validate: a directory as the file',
      () => ['validate', dir, '--out', join(dir, 'v1')],
      1,
      () => `sluice validate: cannot read ${dir}: it is a directory; give the path of one JSON-lines or JSON-array file (gzip allowed)\n`,
    ],
    ['validate: a file as --out', () => ['validate', file, '--out', file], 1, () => `sluice validate: --out ${file}: ${file} is a file; give a directory path (it is created when missing)\n`],
    [
      'validate: --out under a file',
      () => ['validate', file, '--out', join(file, 'out')],
      1,
      () => `sluice validate: --out ${join(file, 'out')}: ${file} is a file, not a directory; give a directory path (it is created when missing)\n`,
    ],
    ['generate: a directory as --out', () => ['generate', '--events', '3', '--out', dir], 1, () => `sluice generate: --out ${dir} is a directory; give the path of a file to write\n`],
    [
      'generate: --out in a missing directory',
      () => ['generate', '--events', '3', '--out', join(missing, 'x.jsonl')],
      1,
      () => `sluice generate: --out ${join(missing, 'x.jsonl')}: directory ${missing} does not exist; create it first (mkdir -p ${missing}) or choose another path\n`,
    ],
    [
      'generate: a directory as --stats',
      () => ['generate', '--events', '3', '--out', join(dir, 'g.jsonl'), '--stats', dir],
      1,
      () => `sluice generate: --stats ${dir} is a directory; give the path of a file to write\n`,
    ],
    [
      'query: --csv in a missing directory, refused before the query runs',
      () => ['query', 'data-freshness', '--local', lake, '--csv', join(missing, 'x.csv')],
      1,
      () => `sluice query: --csv ${join(missing, 'x.csv')}: directory ${missing} does not exist; create it first (mkdir -p ${missing}) or choose another path\n`,
    ],
    [
      'query: a local lake that does not exist',
      () => ['query', 'data-freshness', '--local', missing],
      1,
      () => `sluice query: local lake directory ${missing} does not exist; run sluice local first or pass the directory it wrote\n`,
    ],
    [
      'query: an unknown named query',
      () => ['query', 'nope', '--local', lake],
      1,
      () => /^sluice query: no named query "nope" in .*sql\/athena; available: aggregates-per-minute, data-freshness, events-per-type-per-hour, latest-events, source-quality\n$/,
    ],
    [
      'query: a missing parameter',
      () => ['query', 'latest-events', '--local', lake, '-p', 'event_type=x'],
      1,
      () => 'sluice query: query latest-events needs --param since_date=<date> (Earliest event date (UTC) to look in (YYYY-MM-DD); bounds the scan)\n',
    ],
    [
      'query: a malformed --param',
      () => ['query', 'latest-events', '--local', lake, '-p', 'event_type'],
      1,
      () => 'sluice query: --param "event_type" must read <name>=<value>, e.g. --param event_type=payment\n',
    ],
    [
      'flink: a missing --input',
      () => ['flink', 'aggregate', '--input', join(dir, 'none.jsonl'), '--output', dir],
      1,
      () => `sluice flink: --input ${join(dir, 'none.jsonl')} does not exist; give a JSON-lines file\n`,
    ],
    ['flink: a directory as --input', () => ['flink', 'aggregate', '--input', dir, '--output', dir], 1, () => `sluice flink: --input ${dir} is not a file; give a JSON-lines file\n`],
    [
      'flink: a file as --output',
      () => ['flink', 'aggregate', '--input', file, '--output', file],
      1,
      () => `sluice flink: --output ${file}: ${file} is a file; give a directory path (it is created when missing)\n`,
    ],
    [
      'local: a missing --input',
      () => ['local', '--input', join(dir, 'none.jsonl'), '--out', join(dir, 'l1')],
      1,
      () => `sluice local: --input ${join(dir, 'none.jsonl')} does not exist; give a JSON-lines, JSON-array or gzip file, or leave --input out to generate events\n`,
    ],
    [
      'local: a directory as --input',
      () => ['local', '--input', dir, '--out', join(dir, 'l2')],
      1,
      () => `sluice local: --input ${dir} is a directory; give one events file (JSON lines, a JSON array, or gzip of either)\n`,
    ],
    ['local: a file as --out', () => ['local', '--events', '10', '--out', file], 1, () => `sluice local: --out ${file} exists and is not a directory; choose a directory path\n`],
    [
      'local: --out under a file',
      () => ['local', '--events', '10', '--out', join(file, 'out')],
      1,
      () => `sluice local: cannot write --out ${join(file, 'out')}: a part of the path is a file, not a directory; choose a directory you can write to\n`,
    ],
    [
      'local: an unknown stack',
      () => ['local', '--events', '10', '--stack', 'nope', '--out', join(dir, 'l3')],
      1,
      () => /^sluice local: stack "nope" has 1 configuration error:\n  - .*Pulumi\.nope\.yaml does not exist; create it/,
    ],
    [
      'archive verify: neither --stack nor --local',
      () => ['archive', 'verify', '--from', '2026-03-17', '--to', '2026-03-17'],
      2,
      () => 'sluice archive verify: give exactly one of --stack <name> (S3 and CloudWatch) or --local <lake dir>\n',
    ],
    [
      'archive verify: a local lake that does not exist',
      () => ['archive', 'verify', '--local', missing, '--from', '2026-03-17', '--to', '2026-03-17'],
      1,
      () => `sluice archive verify: --local ${missing} does not exist; give the lake directory sluice local wrote (its report names it)\n`,
    ],
    [
      'promote: a target stack without a file',
      () => ['promote', '--from', 'dev', '--to', 'nope'],
      1,
      () => /^sluice promote: .*Pulumi\.nope\.yaml does not exist; --to must name a stack with a Pulumi\.<stack>\.yaml\n$/,
    ],
    [
      'archive verify: --to before --from',
      () => ['archive', 'verify', '--local', lake, '--from', '2026-03-18', '--to', '2026-03-17'],
      2,
      () => 'sluice archive verify: --to 2026-03-17 is before --from 2026-03-18; give the earlier bound as --from\n',
    ],
    [
      'replay: a rate that is not positive',
      () => ['replay', '--stack', 'dev', '--from', '2026-03-17', '--to', '2026-03-17', '--target', 'x', '--rate', '0', '--archive', lake],
      2,
      () => 'sluice replay: --rate 0 is not a positive number of events per second; give e.g. --rate 1000\n',
    ],
    [
      'backfill: the prod stack without --i-know',
      () => ['backfill', '--stack', 'prod'],
      1,
      () =>
        'sluice backfill: --stack prod: a backfill replaces the prod tables events and aggregates that analysts and consumers read; stop the stack\'s Flink applications (with a snapshot) first, then add --i-know to go ahead (README, "Backfill and rebuild of a stack")\n',
    ],
    ['bench: a directory as --json', () => ['bench', '--json', dir], 1, () => `sluice bench: --json ${dir} is a directory; give the path of a file to write\n`],
    [
      'bench ingest: --json in a missing directory',
      () => ['bench', 'ingest', '--json', join(missing, 'b.json')],
      1,
      () => `sluice bench ingest: --json ${join(missing, 'b.json')}: directory ${missing} does not exist; create it first (mkdir -p ${missing}) or choose another path\n`,
    ],
    ['bench flink: a directory as --json', () => ['bench', 'flink', '--json', dir], 1, () => `sluice bench flink: --json ${dir} is a directory; give the path of a file to write\n`],
    ['bench local: a directory as --json', () => ['bench', 'local', '--json', dir], 1, () => `sluice bench local: --json ${dir} is a directory; give the path of a file to write\n`],
  ];

  for (const [what, args, code, message] of cases) {
    it(`${what}: exit ${code}`, async () => {
      const before = readdirSync(dir).sort();
      const run = await runSluice(args());
      expect(run.code).to.equal(code);
      const expected = message();
      if (typeof expected === 'string') expect(run.stderr).to.equal(expected);
      else expect(run.stderr).to.match(expected);
      expect(run.stderr).not.to.match(/\bE[A-Z]{3,}\b|\n\s+at /);
      expect(run.stdout, 'nothing is printed as a result').to.equal('');
      expect(readdirSync(dir).sort(), 'nothing is left behind').to.deep.equal(before);
    });
  }

  it('query --csv writes nothing and prints no result when the CSV path is refused', async () => {
    mkdirSync(join(dir, 'q'));
    const run = await runSluice(['query', 'data-freshness', '--local', lake, '--csv', join(dir, 'q')]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(existsSync(join(dir, 'q'))).to.equal(true);
  });
});
