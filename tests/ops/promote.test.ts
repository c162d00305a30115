import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PreviewDigest, StackHealth, UpdateRecord } from '../../core/promotion';
import { healthFromStatus } from '../../ops/health';
import type { StackStatus } from '../../ops/status';
import { promote, PromotionError, type StackOperations } from '../../ops/promote';
import { recordFromSummary, stepFromMetadata } from '../../ops/pulumi-automation';
import { buildRelease } from '../../ops/release';
import { REPO_ROOT } from '../support/pulumi';

const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'pulumi');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
const HEALTHY: StackHealth = {
  alarms: [{ name: 'sluice-dev-no-data', state: 'OK' }],
  applications: [
    { name: 'sluice-dev-dedup-filter', status: 'RUNNING' },
    { name: 'sluice-dev-aggregate', status: 'RUNNING' },
  ],
};

/** Recorded dev history with its current release replaced by `release`. */
function devHistory(release: string): UpdateRecord[] {
  return load<UpdateRecord[]>('dev-history.json').map((u, i) => (i === 0 ? { ...u, config: { ...u.config, 'sluice:release': { value: release, secret: false } } } : u));
}

class FakeStacks implements StackOperations {
  calls: string[] = [];
  previewedWith: string[] = [];
  constructor(
    private readonly root: string,
    private readonly histories: Record<string, UpdateRecord[]>,
    private readonly digest: PreviewDigest,
  ) {}
  async history(stack: string) {
    this.calls.push(`history ${stack}`);
    return this.histories[stack] ?? [];
  }
  async preview(stack: string) {
    this.calls.push(`preview ${stack}`);
    this.previewedWith.push(readFileSync(join(this.root, `Pulumi.${stack}.yaml`), 'utf8'));
    return this.digest;
  }
  async up(stack: string, onOutput: (t: string) => void) {
    this.calls.push(`up ${stack}`);
    onOutput('Resources: 5 updated');
    return { result: 'succeeded' };
  }
}

describe('sluice promote (ops/promote.ts with recorded Pulumi results)', () => {
  let root: string;
  let releases: string;
  let release: string;
  const prodFile = () => readFileSync(join(root, 'Pulumi.prod.yaml'), 'utf8');

  before(() => {
    releases = mkdtempSync(join(tmpdir(), 'sluice-releases-'));
    const built = buildRelease({ jar: join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar'), outDir: releases });
    release = built.manifest.id;
    // A copy of the release sources and the stack files, so the test may rewrite Pulumi.prod.yaml.
    root = mkdtempSync(join(tmpdir(), 'sluice-promote-'));
    for (const path of [...Object.keys(built.manifest.sources), 'Pulumi.dev.yaml', 'Pulumi.prod.yaml']) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      copyFileSync(join(REPO_ROOT, path), join(root, path));
    }
    process.env.SLUICE_RELEASES_DIR = releases;
  });
  after(() => {
    delete process.env.SLUICE_RELEASES_DIR;
    rmSync(root, { recursive: true, force: true });
    rmSync(releases, { recursive: true, force: true });
  });
  afterEach(() => copyFileSync(join(REPO_ROOT, 'Pulumi.prod.yaml'), join(root, 'Pulumi.prod.yaml')));

  const deps = (stacks: StackOperations, health: StackHealth = HEALTHY, answer = false) => ({
    stacks,
    health: async () => health,
    confirm: async () => answer,
    log: () => undefined,
  });
  const options = (over: object = {}) => ({ to: 'prod', allowReplace: [], yes: true, dryRun: false, root, now: new Date('2026-12-01T10:30:00Z'), ...over });

  it('happy path: previews with the release pinned, runs the update and keeps the pin', async () => {
    const stacks = new FakeStacks(root, { dev: devHistory(release), prod: load('prod-history.json') }, load('prod-preview-clean.json'));
    const before = prodFile();
    const outcome = await promote(options(), deps(stacks));
    expect(outcome.status).to.equal('updated');
    expect(outcome.from).to.equal('dev');
    expect(outcome.release).to.equal(release);
    expect(outcome.gates.every((g) => g.passed)).to.equal(true);
    expect(stacks.calls).to.deep.equal(['history dev', 'history prod', 'preview prod', 'up prod']);
    expect(stacks.previewedWith[0]).to.contain(`  sluice:release: "${release}"\n`);
    expect(prodFile()).to.equal(stacks.previewedWith[0]);
    expect(prodFile().replace(`  sluice:release: "${release}"\n`, '')).to.equal(before);
  });

  it('--dry-run evaluates every gate, prints the commands and leaves the stack file as it was', async () => {
    const stacks = new FakeStacks(root, { dev: devHistory(release), prod: load('prod-history.json') }, load('prod-preview-clean.json'));
    const before = prodFile();
    const outcome = await promote(options({ dryRun: true }), deps(stacks));
    expect(outcome.status).to.equal('dry-run');
    expect(stacks.calls).to.deep.equal(['history dev', 'history prod', 'preview prod']);
    expect(prodFile()).to.equal(before);
    expect(outcome.commands[0]).to.equal(`npx sluice promote --from dev --to prod --release ${release} --yes`);
    expect(outcome.commands[1]).to.contain(`pulumi config set sluice:release ${release} --stack prod && pulumi up --stack prod --yes`);
  });

  it('a failing gate before the preview refuses without previewing or updating', async () => {
    const stacks = new FakeStacks(root, { dev: devHistory(release), prod: load('prod-history-in-progress.json') }, load('prod-preview-clean.json'));
    const before = prodFile();
    const outcome = await promote(options(), deps(stacks));
    expect(outcome.status).to.equal('refused');
    expect(outcome.gates.filter((g) => !g.passed).map((g) => g.gate)).to.deep.equal(['target-idle', 'no-stateful-loss']);
    expect(stacks.calls).to.deep.equal(['history dev', 'history prod']);
    expect(prodFile()).to.equal(before);
  });

  it('a preview that loses state refuses and puts the stack file back; --allow-replace for each URN lets it through', async () => {
    const digest = load<PreviewDigest>('prod-preview-stateful-loss.json');
    const stacks = new FakeStacks(root, { dev: devHistory(release), prod: load('prod-history.json') }, digest);
    const before = prodFile();
    const refused = await promote(options(), deps(stacks));
    expect(refused.status).to.equal('refused');
    expect(prodFile()).to.equal(before);
    const urns = digest.steps!.filter((s) => !s.urn.includes('NamedQuery') && s.op !== 'same').map((s) => s.urn);
    expect(urns).to.have.length(3);
    const allowed = await promote(options({ allowReplace: urns, dryRun: true }), deps(stacks));
    expect(allowed.status).to.equal('dry-run');
  });

  it('a release that is not in dist/releases is refused by the first gate', async () => {
    const stacks = new FakeStacks(root, { dev: devHistory('0123456789abcdef'), prod: load('prod-history.json') }, load('prod-preview-clean.json'));
    const outcome = await promote(options(), deps(stacks));
    expect(outcome.status).to.equal('refused');
    expect(outcome.gates[0]).to.deep.include({ gate: 'release-matches-tree', passed: false });
    expect(outcome.gates[0]!.evidence).to.match(/0123456789abcdef\/manifest\.json does not exist$/);
  });

  it('without --yes, asks; a "no" changes nothing', async () => {
    const stacks = new FakeStacks(root, { dev: devHistory(release), prod: load('prod-history.json') }, load('prod-preview-clean.json'));
    const before = prodFile();
    const outcome = await promote(options({ yes: false }), deps(stacks, HEALTHY, false));
    expect(outcome.status).to.equal('declined');
    expect(stacks.calls).to.not.include('up prod');
    expect(prodFile()).to.equal(before);
  });

  it('rollback: --release <previous> goes through the same gates', async () => {
    const older = load<UpdateRecord[]>('dev-history.json').map((u) =>
      u.config?.['sluice:release']?.value === '5e1f0c3a9b7d2468' ? { ...u, config: { ...u.config, 'sluice:release': { value: release, secret: false } } } : u,
    );
    const stacks = new FakeStacks(root, { dev: older, prod: load('prod-history.json') }, load('prod-preview-clean.json'));
    const outcome = await promote(options({ release, dryRun: true }), deps(stacks));
    expect(outcome.status).to.equal('dry-run');
    expect(outcome.gates.find((g) => g.gate === 'source-ran-release')!.evidence).to.match(/^rollback: dev now runs a41c9e07d3b25f18/);
  });

  it('says what to give when there is no source stack or no release', async () => {
    const stacks = new FakeStacks(root, { dev: [], prod: [] }, {});
    await promote(options({ to: 'dev' }), deps(stacks)).then(
      () => expect.fail('promoted'),
      (err) =>
        expect(err)
          .to.be.instanceOf(PromotionError)
          .with.property('message', `no source stack: pass --from <stack>, or set sluice:pipeline.promoteFrom in ${join(root, 'Pulumi.dev.yaml')}`),
    );
    await promote(options(), deps(stacks)).then(
      () => expect.fail('promoted'),
      (err) => expect((err as Error).message).to.match(/^dev's last update ran no release \(no sluice:release in its config\)/),
    );
  });
});

describe('Automation API results to the CLI shapes', () => {
  it('maps a history entry (times parsed as the Automation API parses them) back to the CLI JSON', () => {
    const cli = load<UpdateRecord[]>('dev-history.json');
    const text = readFileSync(join(FIXTURES, 'dev-history.json'), 'utf8');
    // Stack.history() parses `pulumi stack history --json` with this reviver.
    const parsed = JSON.parse(text, (key, value) => (key === 'startTime' || key === 'endTime' ? new Date(value) : value));
    const record = recordFromSummary(parsed[0]);
    expect(record.startTime).to.equal('2026-12-01T08:00:00.000Z');
    expect(record.endTime).to.equal('2026-12-01T08:09:30.000Z');
    expect(record.config?.['sluice:release']).to.deep.equal(cli[0]!.config!['sluice:release']);
    expect(record).to.deep.include({ version: 14, kind: 'update', result: 'succeeded' });
  });

  it('maps an engine step event to the step pulumi preview --json writes', () => {
    const step = stepFromMetadata({
      op: 'replace',
      urn: 'urn:pulumi:prod::sluice::aws:kinesis/stream:Stream::s',
      type: 'aws:kinesis/stream:Stream',
      provider: 'p',
      keys: ['name'],
      diffs: ['name', 'arn'],
      old: { type: 'aws:kinesis/stream:Stream', urn: 'u', id: 'i', parent: '', inputs: { name: 'a' }, outputs: {}, provider: 'p' },
      new: { type: 'aws:kinesis/stream:Stream', urn: 'u', id: '', parent: '', inputs: { name: 'b' }, outputs: {}, provider: 'p' },
    });
    expect(step).to.deep.equal({
      op: 'replace',
      urn: 'urn:pulumi:prod::sluice::aws:kinesis/stream:Stream::s',
      oldState: { type: 'aws:kinesis/stream:Stream', urn: 'u', inputs: { name: 'a' } },
      newState: { type: 'aws:kinesis/stream:Stream', urn: 'u', inputs: { name: 'b' } },
      diffReasons: ['name', 'arn'],
      replaceReasons: ['name'],
    });
  });
});

describe('stack health for the gate, from the status of sluice status', () => {
  it('keeps every alarm state and each application status; an application that does not exist is MISSING', () => {
    const status: StackStatus = {
      stack: 'dev',
      account: '111111111111',
      region: 'eu-west-1',
      checkedAt: '2026-12-01T10:30:00.000Z',
      verdict: 'degraded',
      summary: 'dev: degraded',
      problems: [],
      flink: [
        { job: 'dedup-filter', name: 'sluice-dev-dedup-filter', status: 'RUNNING' },
        { job: 'aggregate', name: 'sluice-dev-aggregate', problem: 'application sluice-dev-aggregate does not exist' },
      ],
      tables: [],
      workgroup: { name: 'sluice-dev' },
      alarms: [
        { name: 'sluice-dev-no-data', state: 'OK' },
        { name: 'sluice-dev-lag', state: 'MISSING' },
      ],
    };
    expect(healthFromStatus(status)).to.deep.equal({
      alarms: [
        { name: 'sluice-dev-no-data', state: 'OK' },
        { name: 'sluice-dev-lag', state: 'MISSING' },
      ],
      applications: [
        { name: 'sluice-dev-dedup-filter', status: 'RUNNING' },
        { name: 'sluice-dev-aggregate', status: 'MISSING' },
      ],
    });
  });
});
