import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentRelease, evaluateGates, stateLoss, typeOfUrn, type GateName, type PreviewDigest, type PromotionEvidence, type StackHealth, type UpdateRecord } from '../../core/promotion';

const FIXTURES = join(__dirname, '..', 'fixtures', 'pulumi');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
const R1 = '5e1f0c3a9b7d2468';
const R2 = 'a41c9e07d3b25f18';
const STREAM = 'urn:pulumi:prod::sluice::sluice:platform:Platform$sluice:streams:Streams$aws:kinesis/stream:Stream::sluice-prod-streams-events';
const BUCKET = 'urn:pulumi:prod::sluice::sluice:platform:Platform$sluice:storage:Storage$aws:s3/bucket:Bucket::sluice-prod-storage-landing';
const AGGREGATE =
  'urn:pulumi:prod::sluice::sluice:platform:Platform$sluice:processing:Processing$sluice:processing:FlinkApplication$aws:kinesisanalyticsv2/application:Application::sluice-prod-processing-aggregate-app';

const HEALTHY: StackHealth = {
  alarms: [
    { name: 'sluice-dev-no-data', state: 'OK' },
    { name: 'sluice-dev-dedup-filter-restarts', state: 'OK' },
  ],
  applications: [
    { name: 'sluice-dev-dedup-filter', status: 'RUNNING' },
    { name: 'sluice-dev-aggregate', status: 'RUNNING' },
  ],
};

function evidence(over: Partial<PromotionEvidence> = {}): PromotionEvidence {
  return {
    source: 'dev',
    target: 'prod',
    release: R2,
    now: new Date('2026-12-01T10:30:00Z'),
    soakMinutes: 120,
    sourceHistory: load<UpdateRecord[]>('dev-history.json'),
    sourceHealth: HEALTHY,
    releaseProblems: [],
    targetConfigProblems: [],
    targetHistory: load<UpdateRecord[]>('prod-history.json'),
    targetPreview: load<PreviewDigest>('prod-preview-clean.json'),
    allowReplace: [],
    ...over,
  };
}

function gate(e: PromotionEvidence, name: GateName) {
  const found = evaluateGates(e).find((g) => g.gate === name);
  if (found === undefined) throw new Error(`no gate ${name}`);
  return found;
}

function failing(e: PromotionEvidence): GateName[] {
  return evaluateGates(e)
    .filter((g) => !g.passed)
    .map((g) => g.gate);
}

describe('promotion gates (recorded stack history and preview)', () => {
  it('happy path: every gate passes, each with its evidence', () => {
    const gates = evaluateGates(evidence());
    expect(gates.map((g) => [g.gate, g.passed])).to.deep.equal([
      ['release-matches-tree', true],
      ['source-ran-release', true],
      ['soak-time', true],
      ['source-healthy', true],
      ['target-config-valid', true],
      ['target-idle', true],
      ['no-stateful-loss', true],
    ]);
    const by = Object.fromEntries(gates.map((g) => [g.gate, g.evidence]));
    expect(by['source-ran-release']).to.equal(`dev's last update #14 of 2026-12-01T08:00:00Z (succeeded, release ${R2})`);
    expect(by['soak-time']).to.equal(`dev ran release ${R2} for 140 min (since 2026-12-01T08:09:30Z); the soak time is 120 min`);
    expect(by['source-healthy']).to.equal('dev: 2 alarms, 2 Flink applications; every alarm OK, every application RUNNING');
    expect(by['target-idle']).to.equal("prod's last operation is a finished update (succeeded, 2026-11-30T15:00:00Z)");
    expect(by['no-stateful-loss']).to.equal('preview of prod: 5 steps (replace 1, same 2, update 2); no stateful resource replaced or deleted');
  });

  it('the release a forward promotion moves is the one dev last updated to', () => {
    expect(currentRelease(load<UpdateRecord[]>('dev-history.json'))).to.equal(R2);
  });

  it('refuses a release whose artifacts or sources differ from the working tree', () => {
    const e = evidence({ releaseProblems: ['infra/processing.ts differs: sha256 aaaaaaaaaaaa in the working tree /repo, bbbbbbbbbbbb in the release'] });
    expect(failing(e)).to.deep.equal(['release-matches-tree']);
    expect(gate(e, 'release-matches-tree').evidence).to.contain('infra/processing.ts differs');
  });

  it("refuses when dev's last update on the release failed", () => {
    const history = load<UpdateRecord[]>('dev-history.json');
    const failed = [{ ...history[0]!, result: 'failed' }, ...history.slice(1)];
    const e = evidence({ sourceHistory: failed });
    expect(failing(e)).to.include('source-ran-release');
    expect(gate(e, 'source-ran-release').evidence).to.equal(
      `dev's last update #14 of 2026-12-01T08:00:00Z (failed, release ${R2}) did not succeed; fix dev and update it successfully before promoting`,
    );
  });

  it('refuses a release dev never ran', () => {
    const e = evidence({ release: '0000000000000000' });
    expect(gate(e, 'source-ran-release')).to.deep.include({ passed: false });
    expect(gate(e, 'source-ran-release').evidence).to.equal(
      `dev never ran release 0000000000000000 successfully (its last is update #14 of 2026-12-01T08:00:00Z (succeeded, release ${R2})); deploy it to dev first`,
    );
    expect(gate(e, 'soak-time').evidence).to.equal('dev never ran release 0000000000000000 successfully');
  });

  it('refuses before the soak time is over, saying how long to wait', () => {
    const e = evidence({ now: new Date('2026-12-01T09:00:00Z') });
    expect(failing(e)).to.deep.equal(['soak-time']);
    expect(gate(e, 'soak-time').evidence).to.equal(`dev ran release ${R2} for 50 min (since 2026-12-01T08:09:30Z); the soak time is 120 min; wait 70 min more`);
  });

  it('refuses when a dev alarm is not OK or a Flink application is not RUNNING', () => {
    const e = evidence({
      sourceHealth: {
        alarms: [HEALTHY.alarms[0]!, { name: 'sluice-dev-dedup-filter-restarts', state: 'ALARM' }, { name: 'sluice-dev-lag', state: 'INSUFFICIENT_DATA' }],
        applications: [HEALTHY.applications[0]!, { name: 'sluice-dev-aggregate', status: 'AUTOSCALING' }],
      },
    });
    expect(failing(e)).to.deep.equal(['source-healthy']);
    expect(gate(e, 'source-healthy').evidence).to.equal(
      'dev: alarm sluice-dev-dedup-filter-restarts is ALARM; alarm sluice-dev-lag is INSUFFICIENT_DATA; application sluice-dev-aggregate is AUTOSCALING (of 3 alarms, 2 Flink applications); resolve them (npx sluice status --stack dev) before promoting',
    );
  });

  it('refuses when the status of dev cannot be read, or shows no application', () => {
    expect(gate(evidence({ sourceHealth: { unavailable: 'status of dev: ExpiredToken' } }), 'source-healthy').evidence).to.equal('dev status unavailable: status of dev: ExpiredToken');
    expect(gate(evidence({ sourceHealth: { alarms: [], applications: [] } }), 'source-healthy').passed).to.equal(false);
  });

  it('refuses a target config that does not validate with the release pinned', () => {
    const e = evidence({ targetConfigProblems: ['sluice:pipeline.soakMinutes must be between 0 and 43200 (got -1); raise it or remove it to use 60'] });
    expect(failing(e)).to.deep.equal(['target-config-valid']);
    expect(gate(e, 'target-config-valid').evidence).to.contain('sluice:pipeline.soakMinutes');
  });

  it('refuses a target that is mid-update', () => {
    const e = evidence({ targetHistory: load<UpdateRecord[]>('prod-history-in-progress.json') });
    expect(failing(e)).to.deep.equal(['target-idle']);
    expect(gate(e, 'target-idle').evidence).to.match(new RegExp(`^prod is mid-update: update #8 of 2026-12-01T10:20:00Z \\(in-progress, release ${R2}\\); wait for it`));
  });

  it('refuses a preview that replaces or deletes a stateful resource or drops Flink state, naming each URN', () => {
    const e = evidence({ targetPreview: load<PreviewDigest>('prod-preview-stateful-loss.json') });
    expect(failing(e)).to.deep.equal(['no-stateful-loss']);
    const text = gate(e, 'no-stateful-loss').evidence;
    expect(text).to.contain(`replace of Kinesis stream (its records) (replaced because of name): ${STREAM}`);
    expect(text).to.contain(`delete of S3 bucket (its objects): ${BUCKET}`);
    expect(text).to.contain(`update of Flink application (its snapshots and running state) that starts without its snapshot (SKIP_RESTORE_FROM_SNAPSHOT): ${AGGREGATE}`);
    // A named query is replaced too, but it holds no data.
    expect(text).to.not.contain('NamedQuery::');
  });

  it('--allow-replace lets exactly the named resource through', () => {
    const one = evidence({ targetPreview: load<PreviewDigest>('prod-preview-stateful-loss.json'), allowReplace: [STREAM] });
    const text = gate(one, 'no-stateful-loss').evidence;
    expect(gate(one, 'no-stateful-loss').passed).to.equal(false);
    expect(text).to.contain(`allowed by --allow-replace: replace of Kinesis stream (its records) (replaced because of name) ${STREAM}`);
    expect(text).to.contain(`: ${BUCKET}`);
    expect(text).to.contain(`: ${AGGREGATE}`);
    expect(text).to.not.contain(`(replaced because of name): ${STREAM}`);

    const all = evidence({ targetPreview: load<PreviewDigest>('prod-preview-stateful-loss.json'), allowReplace: [STREAM, BUCKET, AGGREGATE] });
    expect(gate(all, 'no-stateful-loss').passed).to.equal(true);

    const prefix = evidence({ targetPreview: load<PreviewDigest>('prod-preview-stateful-loss.json'), allowReplace: [STREAM.slice(0, -7), BUCKET, AGGREGATE] });
    expect(gate(prefix, 'no-stateful-loss').passed).to.equal(false);
    expect(gate(prefix, 'no-stateful-loss').evidence).to.contain(`--allow-replace ${STREAM.slice(0, -7)} matches no replacement or deletion of a stateful resource`);
  });

  it('refuses when the preview itself failed or was not run', () => {
    expect(gate(evidence({ targetPreview: { unavailable: 'pulumi preview --stack prod: release a41c9e07d3b25f18 cannot be deployed' } }), 'no-stateful-loss').passed).to.equal(false);
    expect(gate(evidence({ targetPreview: undefined }), 'no-stateful-loss').evidence).to.equal('preview of prod not run: an earlier gate failed');
  });

  it('rollback: an older release dev ran goes through the same gates', () => {
    const e = evidence({ release: R1 });
    const gates = evaluateGates(e);
    expect(gates.every((g) => g.passed)).to.equal(true);
    expect(gate(e, 'source-ran-release').evidence).to.equal(
      `rollback: dev now runs ${R2} (update #14 of 2026-12-01T08:00:00Z (succeeded, release ${R2})); release ${R1} succeeded there in update #12 of 2026-11-30T10:00:00Z (succeeded, release ${R1})`,
    );
    // From the end of #12 until #14 replaced it: the failed #11 and the refresh do not count.
    expect(gate(e, 'soak-time').evidence).to.equal(`dev ran release ${R1} for 1312 min (since 2026-11-30T10:08:00Z, until 2026-12-01T08:00:00Z); the soak time is 120 min`);
  });

  it('reads the resource type from the URN when a step carries no state', () => {
    expect(typeOfUrn(STREAM)).to.equal('aws:kinesis/stream:Stream');
    expect(stateLoss({ op: 'delete', urn: 'urn:pulumi:prod::sluice::aws:kms/key:Key::sluice-prod-kms' })).to.equal('delete of KMS key (everything encrypted with it)');
    expect(stateLoss({ op: 'update', urn: STREAM })).to.equal(undefined);
    expect(stateLoss({ op: 'create-replacement', urn: 'urn:pulumi:prod::sluice::sluice:catalog:Catalog$aws:glue/catalogTable:CatalogTable::events' })).to.equal(
      'create-replacement of Glue table (its metadata and Iceberg snapshots)',
    );
  });
});
