import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canonicalJson, compareFiles, manifestProblems, RELEASE_FUNCTIONS, releaseId, type ReleaseManifest } from '../../core/release';
import { FUNCTION_NAMES, functionCodeSha256 } from '../../infra/function-code';
import { deployArtifacts } from '../../infra/program';
import { ReleaseError, hashSources, verifyRelease } from '../../infra/release';
import { buildRelease } from '../../ops/release';
import { loadStackConfig } from '../../stacks/load';
import { REPO_ROOT, runStackProgram } from '../support/pulumi';
import { TEST_ACCOUNT } from '../support/config';

const FIXTURE_JAR = join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar');

/** A copy of the repository's release sources (node_modules linked, not copied) that a test may change. */
function copyOfSources(manifest: ReleaseManifest): string {
  const root = mkdtempSync(join(tmpdir(), 'sluice-tree-'));
  for (const path of Object.keys(manifest.sources)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    copyFileSync(join(REPO_ROOT, path), join(root, path));
  }
  return root;
}

describe('release: build, determinism and the working-tree check', () => {
  const out: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'sluice-releases-'));
    out.push(d);
    return d;
  };
  after(() => out.forEach((d) => rmSync(d, { recursive: true, force: true })));

  let first: ReturnType<typeof buildRelease>;
  before(() => {
    first = buildRelease({ jar: FIXTURE_JAR, outDir: tmp() });
  });

  it('builds the same id and a byte-identical manifest from the same sources', () => {
    const second = buildRelease({ jar: FIXTURE_JAR, outDir: tmp() });
    expect(second.manifest.id).to.equal(first.manifest.id);
    expect(readFileSync(join(second.dir, 'manifest.json'), 'utf8')).to.equal(readFileSync(join(first.dir, 'manifest.json'), 'utf8'));
    expect(first.manifest.id).to.match(/^[0-9a-f]{16}$/);
    expect(first.dir.endsWith(first.manifest.id)).to.equal(true);
  });

  it('a second build into the same folder finds the release already there', () => {
    const again = buildRelease({ jar: FIXTURE_JAR, outDir: dirname(first.dir) });
    expect(again.existed).to.equal(true);
    expect(again.dir).to.equal(first.dir);
  });

  it('holds every deployable artifact, each file hashed', () => {
    const a = first.manifest.artifacts;
    expect(Object.keys(a).sort()).to.deep.equal([
      'flink-runner-jar',
      'flink-sql',
      'function:events-by-type',
      'function:lake-freshness',
      'function:s3-ingest',
      'function:stream-validate',
      'named-queries',
    ]);
    // Every function the program deploys is in the release: the build list and the manifest's agree.
    expect([...FUNCTION_NAMES].sort()).to.deep.equal([...RELEASE_FUNCTIONS].sort());
    expect(a['flink-runner-jar'].path).to.equal('flink/sluice-flink-runner-kinesis.jar');
    expect(Object.keys(a['flink-runner-jar'].files)).to.deep.equal(['']);
    expect(a['function:s3-ingest'].files).to.have.property('index.js');
    expect(a['function:s3-ingest'].files).to.have.property('schemas/account:created.json');
    expect(Object.keys(a['function:lake-freshness'].files)).to.deep.equal(['index.js']);
    expect(a['flink-sql'].files).to.have.property('dedup-filter/job.sql');
    expect(Object.keys(a['named-queries'].files).every((f) => f.endsWith('.sql'))).to.equal(true);
    expect(first.manifest.sources).to.have.property('infra/processing.ts');
    expect(first.manifest.sources).to.have.property('sql/runner/pom.xml');
    expect(Object.keys(first.manifest.sources).some((p) => p.startsWith('tests/') || p.startsWith('cli/') || p.includes('node_modules'))).to.equal(false);
    expect(manifestProblems(first.manifest)).to.deep.equal([]);
  });

  it('a different jar, or a changed source, gives a different id', () => {
    const jar = join(tmp(), 'other.jar');
    writeFileSync(jar, 'another jar');
    expect(buildRelease({ jar, outDir: tmp() }).manifest.id).to.not.equal(first.manifest.id);
    const body = { ...first.manifest, sources: { ...first.manifest.sources, 'core/jobs.ts': '0'.repeat(64) } };
    expect(releaseId(body)).to.not.equal(first.manifest.id);
  });

  it('the id is the hash of the manifest content, so an edited manifest is refused', () => {
    expect(releaseId(first.manifest)).to.equal(first.manifest.id);
    const edited = JSON.parse(readFileSync(join(first.dir, 'manifest.json'), 'utf8'));
    edited.artifacts['flink-runner-jar'].files[''] = 'f'.repeat(64);
    expect(manifestProblems(edited)).to.have.length(1);
    expect(manifestProblems(edited)[0]).to.match(new RegExp(`^its content hashes to [0-9a-f]{16}, not to its id ${first.manifest.id}: it was edited$`));
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).to.equal('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('compares files: changed, missing and added, sorted by path', () => {
    expect(compareFiles({ a: '1', b: '2', c: '3' }, { a: '1', b: '9', d: '4' })).to.deep.equal([
      { path: 'b', kind: 'changed', expected: '2', actual: '9' },
      { path: 'c', kind: 'missing', expected: '3' },
      { path: 'd', kind: 'added', actual: '4' },
    ]);
  });

  it('the working tree it was built from passes the check', () => {
    expect(verifyRelease(first.manifest.id, REPO_ROOT, first.dir).id).to.equal(first.manifest.id);
    expect(hashSources(REPO_ROOT)).to.deep.equal(first.manifest.sources);
  });

  it('refuses a working tree with a changed, a new or a deleted source file, naming each file', () => {
    const root = copyOfSources(first.manifest);
    out.push(root);
    expect(verifyRelease(first.manifest.id, root, first.dir).id).to.equal(first.manifest.id);
    writeFileSync(join(root, 'sql', 'flink', 'dedup-filter', 'job.sql'), '-- changed\n', { flag: 'a' });
    writeFileSync(join(root, 'infra', 'extra.ts'), 'export {};\n');
    unlinkSync(join(root, 'core', 'naming.ts'));
    let err: unknown;
    try {
      verifyRelease(first.manifest.id, root, first.dir);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ReleaseError);
    const problems = (err as ReleaseError).problems;
    expect(problems).to.have.length(3);
    expect(problems[0]).to.equal(`core/naming.ts is in the release but missing from the working tree ${root}`);
    expect(problems[1]).to.equal(`infra/extra.ts is in the working tree ${root} but not in the release`);
    expect(problems[2]).to.match(/^sql\/flink\/dedup-filter\/job\.sql differs: sha256 [0-9a-f]{12} in the working tree .*, [0-9a-f]{12} in the release$/);
    expect((err as Error).message).to.match(/Check out the commit release [0-9a-f]{16} was built from/);
  });

  it('refuses a release directory whose artifact was changed after the build, naming the file', () => {
    const copy = join(tmp(), first.manifest.id);
    const built = buildRelease({ jar: FIXTURE_JAR, outDir: dirname(copy) });
    writeFileSync(join(built.dir, 'functions', 'stream-validate', 'index.js'), '\n', { flag: 'a' });
    expect(() => verifyRelease(built.manifest.id, REPO_ROOT, built.dir)).to.throw(
      ReleaseError,
      /artifact function:stream-validate: functions\/stream-validate\/index\.js differs: sha256 [0-9a-f]{12} in .*, [0-9a-f]{12} in the release/,
    );
  });

  it('refuses a release that is not there, saying how to get it', () => {
    expect(() => verifyRelease('0123456789abcdef', REPO_ROOT, join(tmp(), '0123456789abcdef'))).to.throw(ReleaseError, /manifest\.json does not exist\n.*make release/);
  });

  describe('the program deploys the release named in sluice:release', () => {
    const config = (release?: string) => loadStackConfig('dev', { account: TEST_ACCOUNT, ...(release === undefined ? {} : { release }) });

    it('takes every artifact from the release directory', () => {
      process.env.SLUICE_RELEASES_DIR = dirname(first.dir);
      try {
        const artifacts = deployArtifacts(config(first.manifest.id), REPO_ROOT);
        expect(artifacts.flinkRunnerJar).to.equal(join(first.dir, 'flink', 'sluice-flink-runner-kinesis.jar'));
        expect(artifacts.flinkSqlDir).to.equal(join(first.dir, 'flink', 'sql'));
        expect(artifacts.namedQueriesDir).to.equal(join(first.dir, 'athena'));
        const validate = artifacts.functions!['stream-validate']!;
        expect(validate.files['index.js']).to.equal(readFileSync(join(first.dir, 'functions', 'stream-validate', 'index.js'), 'utf8'));
        expect(validate.sha256).to.equal(functionCodeSha256(validate.files));
      } finally {
        delete process.env.SLUICE_RELEASES_DIR;
      }
    });

    it('without a release, deploys the working tree', () => {
      const artifacts = deployArtifacts(config(), REPO_ROOT);
      expect(artifacts.functions).to.equal(undefined);
      expect(artifacts.flinkSqlDir).to.equal(join(REPO_ROOT, 'sql', 'flink'));
    });

    it('under the mocked engine, the functions run the release bundle and a missing release stops the program', async () => {
      process.env.SLUICE_RELEASES_DIR = dirname(first.dir);
      try {
        const run = await runStackProgram('dev', (c) => {
          c['sluice:release'] = first.manifest.id;
        });
        const validate = run.resources.find((r) => r.type === 'aws:lambda/function:Function' && String(r.inputs.name).endsWith('stream-validate'));
        const files = Object.fromEntries(
          Object.keys(first.manifest.artifacts['function:stream-validate'].files).map((f) => [f, readFileSync(join(first.dir, 'functions', 'stream-validate', f), 'utf8')]),
        );
        expect(validate?.inputs.description).to.contain(`(bundle sha256 ${functionCodeSha256(files).slice(0, 16)})`);
        let err: unknown;
        try {
          await runStackProgram('dev', (c) => {
            c['sluice:release'] = 'ffffffffffffffff';
          });
        } catch (e) {
          err = e;
        }
        expect(String(err)).to.match(/release ffffffffffffffff cannot be deployed/);
      } finally {
        delete process.env.SLUICE_RELEASES_DIR;
      }
    });
  });
});
