import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { queryLocalLake } from '../../local/lake';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');
const EVENTS_SQL = 'SELECT event_uuid, created_at, event_name, event_type, event_subtype, created_datetime, ingested_at, source, payload FROM events ORDER BY event_uuid, created_at';
const AGGREGATES_SQL = 'SELECT window_start, window_end, event_type, event_subtype, event_count FROM aggregates ORDER BY window_start, event_type, event_subtype';

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [SLUICE, ...args], { encoding: 'utf8' });
  expect(run.status, `sluice ${args.join(' ')}: ${run.stderr}`).to.equal(0);
  return run;
}

/** Every archive object under `lake`, each line kept when `keep` says so. */
function filterArchive(lake: string, keep: (line: string) => boolean): void {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const file of walk(join(lake, 'raw'))) {
    const lines = gunzipSync(readFileSync(file))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && keep(l));
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
  }
}

describe('sluice local --from-archive: rebuild and backfill from the raw archive alone', function () {
  this.timeout(900000);
  let dir: string;
  let original: { events: (string | null)[][]; aggregates: (string | null)[][] };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-from-archive-'));
    sluice('local', '--events', '3000', '--seed', '9', '--duplicates', '0.05', '--invalid', '0.02', '--late', '0.02', '--out', join(dir, 'original'));
    original = { events: (await queryLocalLake(join(dir, 'original', 'lake'), EVENTS_SQL)).rows, aggregates: (await queryLocalLake(join(dir, 'original', 'lake'), AGGREGATES_SQL)).rows };
    expect(original.events.length).to.be.above(2000);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds events and aggregates equal to the originals from an empty lake and the archive', async () => {
    const run = sluice('local', '--from-archive', join(dir, 'original', 'lake'), '--out', join(dir, 'rebuilt'));
    const report = JSON.parse(run.stdout);
    expect(report.mode).to.equal('rebuild');
    expect(report.tables.events.rebuilt).to.equal(original.events.length);
    const rebuilt = join(dir, 'rebuilt', 'lake');
    expect((await queryLocalLake(rebuilt, EVENTS_SQL)).rows).to.deep.equal(original.events);
    expect((await queryLocalLake(rebuilt, AGGREGATES_SQL)).rows).to.deep.equal(original.aggregates);
    expect((await queryLocalLake(rebuilt, 'SELECT count(*) FROM raw_events')).rows).to.deep.equal((await queryLocalLake(join(dir, 'original', 'lake'), 'SELECT count(*) FROM raw_events')).rows);
  });

  it('backfills a live lake in one commit per table, keeps the previous state, restores and drops it', async () => {
    // The changed history: an archive without payment events stands in for a change of logic.
    const changed = join(dir, 'changed');
    cpSync(join(dir, 'original', 'lake', 'raw'), join(changed, 'raw'), { recursive: true });
    filterArchive(changed, (line) => !line.includes('"event_type":"payment"'));
    const live = join(dir, 'original', 'lake');

    const report = JSON.parse(sluice('local', '--from-archive', changed, '--out', join(dir, 'original')).stdout);
    expect(report.mode).to.equal('backfill');
    const withoutPayments = original.events.filter((row) => row[3] !== 'payment');
    expect(report.tables.events).to.deep.equal({ live: original.events.length, rebuilt: withoutPayments.length, distinct_keys: withoutPayments.length });
    expect(report.sample.compared).to.equal(100 - original.events.slice(0, 100).filter((row) => row[3] === 'payment').length);
    expect(report.sample.differing).to.equal(0);
    expect(report.published.events.records).to.equal(withoutPayments.length);
    expect((await queryLocalLake(live, EVENTS_SQL)).rows).to.deep.equal(withoutPayments);

    sluice('local', '--restore', report.previous_tag, '--out', join(dir, 'original'));
    expect((await queryLocalLake(live, EVENTS_SQL)).rows).to.deep.equal(original.events);
    expect((await queryLocalLake(live, AGGREGATES_SQL)).rows).to.deep.equal(original.aggregates);

    sluice('local', '--drop-previous', report.previous_tag, '--out', join(dir, 'original'));
    const again = spawnSync(process.execPath, [SLUICE, 'local', '--restore', report.previous_tag, '--out', join(dir, 'original')], { encoding: 'utf8' });
    expect(again.status).to.equal(1);
    expect(again.stderr).to.include(`table events has no tag ${report.previous_tag}`);
  });

  it('finishes a publication interrupted between the two tables by running the same command again', async () => {
    const changed = join(dir, 'no-accounts');
    cpSync(join(dir, 'original', 'lake', 'raw'), join(changed, 'raw'), { recursive: true });
    filterArchive(changed, (line) => !line.includes('"event_type":"account"'));
    const live = join(dir, 'original', 'lake');
    const args = ['local', '--from-archive', changed, '--out', join(dir, 'original')];

    // The JVM stops dead right after the events table's commit, before aggregates'.
    const crashed = spawnSync(process.execPath, [SLUICE, ...args], { encoding: 'utf8', env: { ...process.env, SLUICE_BACKFILL_CRASH_AFTER: 'events' } });
    expect(crashed.status).to.equal(1);
    expect(crashed.stderr).to.match(
      /the publication of backfill (\d{8}T\d{6}) stopped; run the same command again to finish it, or roll it back with: npx sluice local --restore before-backfill-\1 --out /,
    );
    const withoutAccounts = original.events.filter((row) => row[3] !== 'account');
    expect((await queryLocalLake(live, EVENTS_SQL)).rows).to.deep.equal(withoutAccounts);
    expect((await queryLocalLake(live, AGGREGATES_SQL)).rows, 'aggregates is not published yet').to.deep.equal(original.aggregates);

    // Another archive waits until this publication is finished or rolled back.
    const other = spawnSync(process.execPath, [SLUICE, 'local', '--from-archive', join(dir, 'changed'), '--out', join(dir, 'original')], { encoding: 'utf8' });
    expect(other.status).to.equal(1);
    expect(other.stderr).to.include(`the publication of backfill`);
    expect(other.stderr).to.include(`finish it first with --from-archive ${changed}`);

    const finished = JSON.parse(sluice(...args).stdout);
    expect(finished.mode).to.equal('backfill');
    expect(finished.finished_interrupted).to.match(/^\d{8}T\d{6}$/);
    expect(finished.previous_tag).to.equal(`before-backfill-${finished.finished_interrupted}`);
    expect(finished.commands.restore).to.equal(`npx sluice local --restore ${finished.previous_tag} --out ${join(dir, 'original')}`);
    expect(finished.published.events.records).to.equal(withoutAccounts.length);
    expect((await queryLocalLake(live, EVENTS_SQL)).rows).to.deep.equal(withoutAccounts);
    const aggregates = (await queryLocalLake(live, AGGREGATES_SQL)).rows;
    expect(aggregates).to.have.length(finished.tables.aggregates.rebuilt);
    expect(aggregates.filter((row) => row[2] === 'account')).to.deep.equal([]);
    expect(original.aggregates.filter((row) => row[2] === 'account')).to.not.deep.equal([]);

    sluice('local', '--restore', finished.previous_tag, '--out', join(dir, 'original'));
    expect((await queryLocalLake(live, EVENTS_SQL)).rows).to.deep.equal(original.events);
    expect((await queryLocalLake(live, AGGREGATES_SQL)).rows).to.deep.equal(original.aggregates);
  });

  it('refuses an --out that is neither new nor an earlier run, and an archive without raw/', () => {
    const stray = join(dir, 'stray');
    cpSync(join(dir, 'changed'), stray, { recursive: true });
    const notARun = spawnSync(process.execPath, [SLUICE, 'local', '--from-archive', join(dir, 'changed'), '--out', stray], { encoding: 'utf8' });
    expect(notARun.status).to.equal(1);
    expect(notARun.stderr).to.include(`is neither empty nor an earlier local run`);
    const noRaw = spawnSync(process.execPath, [SLUICE, 'local', '--from-archive', join(dir, 'original'), '--out', join(dir, 'x')], { encoding: 'utf8' });
    expect(noRaw.status).to.equal(1);
    expect(noRaw.stderr).to.include('has no raw/ archive; give a lake directory');
  });
});
