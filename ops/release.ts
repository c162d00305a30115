import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RELEASE_FORMAT, releaseId, type ReleaseArtifact, type ReleaseArtifacts, type ReleaseManifest } from '../core/release';
import { buildNamedFunction, FUNCTION_NAMES, REPO_ROOT } from '../infra/function-code';
import { configSchemaVersion, hashSources, hashTree, readManifest, releasesDir } from '../infra/release';

/** The deployable runner jar `make flink-jar-cloud` builds (Kinesis connector shaded in). */
export function cloudRunnerJar(root = REPO_ROOT): string {
  return process.env.SLUICE_FLINK_JAR ?? join(root, 'sql', 'runner', 'target', 'sluice-flink-runner-kinesis.jar');
}

export interface BuildReleaseOptions {
  /** Repository root the release is built from (default: this repository). */
  root?: string;
  /** The runner jar to put in the release (default `cloudRunnerJar()`). */
  jar?: string;
  /** Folder the release directory is written under (default `releasesDir(root)`). */
  outDir?: string;
}

export interface BuiltRelease {
  manifest: ReleaseManifest;
  /** The release directory: `<outDir>/<id>`. */
  dir: string;
  /** True when a release with this id was already there (same sources, same artifacts). */
  existed: boolean;
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from).sort()) {
    const src = join(from, entry);
    if (statSync(src).isDirectory()) copyTree(src, join(to, entry));
    else copyFileSync(src, join(to, entry));
  }
}

function artifact(stage: string, path: string): ReleaseArtifact {
  return { path, files: hashTree(join(stage, path)) };
}

/**
 * Builds a release from the working tree at `root`: bundles every function (the same esbuild
 * build the Pulumi program runs), copies the runner jar, the job SQL and the named queries, hashes
 * every artifact file and every source file, and writes `manifest.json` beside them in
 * `<outDir>/<id>`. The same sources and jar give the same id and the same manifest, byte for byte.
 */
export function buildRelease(options: BuildReleaseOptions = {}): BuiltRelease {
  const root = options.root ?? REPO_ROOT;
  const jar = options.jar ?? cloudRunnerJar(root);
  const outDir = options.outDir ?? releasesDir(root);
  if (!existsSync(jar)) {
    throw new Error(`the Flink runner jar ${jar} does not exist; build it with \`make flink-jar-cloud\` (or give another jar with --jar)`);
  }
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(outDir, '.building-'));
  try {
    for (const name of FUNCTION_NAMES) {
      const code = buildNamedFunction(name, root);
      for (const [path, content] of Object.entries(code.files)) {
        const file = join(stage, 'functions', name, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    mkdirSync(join(stage, 'flink'), { recursive: true });
    const jarPath = `flink/${basename(jar)}`;
    copyFileSync(jar, join(stage, jarPath));
    copyTree(join(root, 'sql', 'flink'), join(stage, 'flink', 'sql'));
    copyTree(join(root, 'sql', 'athena'), join(stage, 'athena'));
    const artifacts: ReleaseArtifacts = {
      'function:s3-ingest': artifact(stage, 'functions/s3-ingest'),
      'function:stream-validate': artifact(stage, 'functions/stream-validate'),
      'function:firehose-transform': artifact(stage, 'functions/firehose-transform'),
      'function:lake-freshness': artifact(stage, 'functions/lake-freshness'),
      'function:events-by-type': artifact(stage, 'functions/events-by-type'),
      'flink-runner-jar': artifact(stage, jarPath),
      'flink-sql': artifact(stage, 'flink/sql'),
      'named-queries': artifact(stage, 'athena'),
    };
    const body = { format: RELEASE_FORMAT, configSchemaVersion: configSchemaVersion(), artifacts, sources: hashSources(root) };
    const manifest: ReleaseManifest = { format: body.format, id: releaseId(body), configSchemaVersion: body.configSchemaVersion, artifacts, sources: body.sources };
    writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const dir = join(outDir, manifest.id);
    if (existsSync(dir)) {
      readManifest(dir, manifest.id);
      return { manifest, dir, existed: true };
    }
    renameSync(stage, dir);
    return { manifest, dir, existed: false };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
