import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { compareFiles, describeDifference, IGNORED_FOLDERS, manifestProblems, RELEASE_SOURCE_ROOTS, schemaVersion, sha256Hex, type ReleaseArtifact, type ReleaseManifest } from '../core/release';
import { CONFIG_SCHEMA } from '../stacks/schema';
import { FUNCTION_NAMES, functionCodeSha256, REPO_ROOT, type FunctionCode, type FunctionName } from './function-code';
import type { DeployArtifacts } from './platform';

/** Thrown when a release cannot be deployed from this working tree; `problems` has one line per file. */
export class ReleaseError extends Error {
  constructor(
    readonly release: string,
    readonly problems: readonly string[],
    fix: string,
  ) {
    super(`release ${release} cannot be deployed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${fix}`);
    this.name = 'ReleaseError';
  }
}

/** The content version of the stack config schema this working tree validates with. */
export function configSchemaVersion(): string {
  return schemaVersion(CONFIG_SCHEMA);
}

/** Where releases live: `SLUICE_RELEASES_DIR`, or `dist/releases` in the repository. */
export function releasesDir(root = REPO_ROOT): string {
  return process.env.SLUICE_RELEASES_DIR ?? join(root, 'dist', 'releases');
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

/** sha256 of every file under `dir` (or of `dir` itself when it is a file, keyed `""`), by relative path. */
export function hashTree(dir: string, ignored: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  if (!statSync(dir).isDirectory()) {
    out[''] = sha256Hex(readFileSync(dir));
    return out;
  }
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) {
        if (!ignored.has(entry)) walk(path);
      } else {
        out[posix(relative(dir, path))] = sha256Hex(readFileSync(path));
      }
    }
  };
  walk(dir);
  return out;
}

/** sha256 of every release source file of the working tree at `root`, by path from the root. */
export function hashSources(root = REPO_ROOT): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of RELEASE_SOURCE_ROOTS) {
    for (const [path, hash] of Object.entries(hashTree(join(root, source), IGNORED_FOLDERS))) out[path === '' ? source : `${source}/${path}`] = hash;
  }
  return out;
}

export function readManifest(dir: string, release: string): ReleaseManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    throw new ReleaseError(release, [`${path} does not exist`], 'Build it with `make release` from the commit the release was made from, or fetch that release directory.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ReleaseError(release, [`${path} is not JSON: ${(err as Error).message}`], 'Rebuild the release with `make release`.');
  }
  const problems = manifestProblems(parsed);
  if (problems.length > 0)
    throw new ReleaseError(
      release,
      problems.map((p) => `${path}: ${p}`),
      'Rebuild the release with `make release`.',
    );
  const manifest = parsed as ReleaseManifest;
  if (manifest.id !== release) throw new ReleaseError(release, [`${path} is the manifest of release ${manifest.id}`], `Put release ${release} at ${dir}.`);
  return manifest;
}

/**
 * Checks that a release can be deployed from the working tree at `root`: the manifest is intact,
 * every artifact file in the release directory has the hash the manifest gives, the config schema
 * is the release's, and every source file of the working tree is the one the release was built
 * from. Throws a `ReleaseError` naming each file that differs.
 */
export function verifyRelease(release: string, root = REPO_ROOT, dir = join(releasesDir(root), release)): ReleaseManifest {
  const manifest = readManifest(dir, release);
  const artifactProblems: string[] = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts) as [string, ReleaseArtifact][]) {
    const actual = hashTree(join(dir, artifact.path));
    for (const d of compareFiles(artifact.files, actual)) {
      artifactProblems.push(`artifact ${name}: ${describeDifference({ ...d, path: d.path === '' ? artifact.path : `${artifact.path}/${d.path}` }, dir)}`);
    }
  }
  if (artifactProblems.length > 0) throw new ReleaseError(release, artifactProblems, `The release directory ${dir} was changed after it was built: rebuild it with \`make release\`.`);
  const sourceProblems = compareFiles(manifest.sources, hashSources(root)).map((d) => describeDifference(d, `the working tree ${root}`));
  const schema = configSchemaVersion();
  if (schema !== manifest.configSchemaVersion) sourceProblems.unshift(`the config schema version is ${schema} here, ${manifest.configSchemaVersion} in the release`);
  if (sourceProblems.length > 0) {
    throw new ReleaseError(
      release,
      sourceProblems,
      `Check out the commit release ${release} was built from (the sources must match it exactly), or build a new release with \`make release\` and name it in sluice:release.`,
    );
  }
  return manifest;
}

function functionCodeFrom(dir: string, artifact: ReleaseArtifact): FunctionCode {
  const files: Record<string, string> = {};
  for (const path of Object.keys(artifact.files).sort()) files[path] = readFileSync(join(dir, artifact.path, path), 'utf8');
  return { files, sha256: functionCodeSha256(files) };
}

/** The artifacts of a verified release, for the platform to deploy as they are. */
export function releaseArtifacts(manifest: ReleaseManifest, dir: string): DeployArtifacts {
  const functions: Partial<Record<FunctionName, FunctionCode>> = {};
  for (const name of FUNCTION_NAMES) functions[name] = functionCodeFrom(dir, manifest.artifacts[`function:${name}`]);
  return {
    flinkRunnerJar: join(dir, manifest.artifacts['flink-runner-jar'].path),
    flinkSqlDir: join(dir, manifest.artifacts['flink-sql'].path),
    namedQueriesDir: join(dir, manifest.artifacts['named-queries'].path),
    functions,
  };
}
