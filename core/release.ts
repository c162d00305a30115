/**
 * A release: every deployable artifact of the platform with its content hash, and the hash of
 * every source file it was built from. The id is a hash of all of it, so the same sources always
 * give the same release, and a stack that names a release (`sluice:release`) deploys exactly its
 * artifacts. Pure: the file system side is in infra/release.ts (read, verify) and ops/release.ts (build).
 */
import { createHash } from 'node:crypto';

export const RELEASE_FORMAT = 1;

/**
 * The files a release is built from or whose code deploys it, relative to the repository root:
 * the Pulumi program and everything it imports, the functions, the job SQL, the runner's sources
 * and the named queries. A release is refused when any of these differs from the working tree.
 * Docs, tests, the CLI and the stacks' own `Pulumi.<stack>.yaml` are not part of it (a stack's
 * config is what differs between environments, and promotion writes the release id into it).
 */
export const RELEASE_SOURCE_ROOTS = [
  'index.ts',
  'Pulumi.yaml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'core',
  'functions',
  'infra',
  'stacks',
  'policy',
  'sql/flink',
  'sql/athena',
  'sql/runner/pom.xml',
  'sql/runner/src/main',
] as const;

/** Folder names never walked inside a source root (build outputs, installed packages). */
export const IGNORED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'target', '.sluice', 'dist']);

/** One artifact of a release: a file or folder of the release directory, and each file's sha256. */
export interface ReleaseArtifact {
  /** Path inside the release directory (a folder for functions and SQL, the file for the jar). */
  readonly path: string;
  /** sha256 (hex) of every file, by its path relative to `path` (`""` when `path` is the file). */
  readonly files: Readonly<Record<string, string>>;
}

/** The Lambda functions of the platform (infra/function-code.ts builds each one). */
export const RELEASE_FUNCTIONS = ['s3-ingest', 'stream-validate', 'firehose-transform', 'lake-freshness', 'events-by-type'] as const;
export type ReleaseFunctionName = (typeof RELEASE_FUNCTIONS)[number];

/** The artifacts every release holds, by name: one per function, the runner jar, the job SQL, the named queries. */
export type ReleaseArtifacts = { readonly [F in ReleaseFunctionName as `function:${F}`]: ReleaseArtifact } & {
  readonly 'flink-runner-jar': ReleaseArtifact;
  readonly 'flink-sql': ReleaseArtifact;
  readonly 'named-queries': ReleaseArtifact;
};

/** Every artifact name of a release. */
export const RELEASE_ARTIFACT_NAMES: readonly (keyof ReleaseArtifacts)[] = [...RELEASE_FUNCTIONS.map((f) => `function:${f}` as const), 'flink-runner-jar', 'flink-sql', 'named-queries'];

export interface ReleaseManifest {
  readonly format: number;
  /** First 16 hex digits of the sha256 of the canonical JSON of everything below. */
  readonly id: string;
  /** Content version of the stack config schema (`stacks/schema.ts`) the release's program validates with. */
  readonly configSchemaVersion: string;
  readonly artifacts: ReleaseArtifacts;
  /** sha256 of every source file (`RELEASE_SOURCE_ROOTS`), by path relative to the repository root. */
  readonly sources: Readonly<Record<string, string>>;
}

export const RELEASE_ID = /^[0-9a-f]{16}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The id of a release: a content hash of its format, schema version, artifacts and sources. */
export function releaseId(body: Omit<ReleaseManifest, 'id'>): string {
  const { format, configSchemaVersion, artifacts, sources } = body;
  return sha256Hex(canonicalJson({ format, configSchemaVersion, artifacts, sources })).slice(0, 16);
}

/** The content version of a JSON schema: the first 16 hex digits of its canonical JSON's sha256. */
export function schemaVersion(schema: unknown): string {
  return sha256Hex(canonicalJson(schema)).slice(0, 16);
}

export type FileDifference =
  | { readonly path: string; readonly kind: 'changed'; readonly expected: string; readonly actual: string }
  | { readonly path: string; readonly kind: 'missing'; readonly expected: string }
  | { readonly path: string; readonly kind: 'added'; readonly actual: string };

/** Every file whose hash differs between `expected` and `actual`, sorted by path. */
export function compareFiles(expected: Readonly<Record<string, string>>, actual: Readonly<Record<string, string>>): FileDifference[] {
  const paths = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const out: FileDifference[] = [];
  for (const path of paths) {
    const e = expected[path];
    const a = actual[path];
    if (e !== undefined && a !== undefined) {
      if (e !== a) out.push({ path, kind: 'changed', expected: e, actual: a });
    } else if (e !== undefined) {
      out.push({ path, kind: 'missing', expected: e });
    } else if (a !== undefined) {
      out.push({ path, kind: 'added', actual: a });
    }
  }
  return out;
}

/** One line about one differing file, `place` being where it was looked for ("the working tree"). */
export function describeDifference(d: FileDifference, place: string): string {
  const short = (h: string) => h.slice(0, 12);
  switch (d.kind) {
    case 'changed':
      return `${d.path} differs: sha256 ${short(d.actual)} in ${place}, ${short(d.expected)} in the release`;
    case 'missing':
      return `${d.path} is in the release but missing from ${place}`;
    case 'added':
      return `${d.path} is in ${place} but not in the release`;
  }
}

/** Problems with a manifest's shape; an empty list when it can be used. */
export function manifestProblems(value: unknown): string[] {
  const m = value as Partial<ReleaseManifest> | null;
  if (m === null || typeof m !== 'object') return ['the manifest is not a JSON object'];
  const problems: string[] = [];
  if (m.format !== RELEASE_FORMAT) problems.push(`format is ${JSON.stringify(m.format)}, this program reads format ${RELEASE_FORMAT}`);
  if (typeof m.id !== 'string' || !RELEASE_ID.test(m.id)) problems.push('id is not 16 hex digits');
  if (typeof m.configSchemaVersion !== 'string') problems.push('configSchemaVersion is missing');
  if (m.sources === undefined || typeof m.sources !== 'object') problems.push('sources is missing');
  for (const name of RELEASE_ARTIFACT_NAMES) {
    const a = m.artifacts?.[name];
    if (a === undefined || typeof a.path !== 'string' || a.files === undefined || typeof a.files !== 'object') problems.push(`artifact ${name} is missing`);
  }
  if (problems.length === 0 && releaseId(m as ReleaseManifest) !== m.id) problems.push(`its content hashes to ${releaseId(m as ReleaseManifest)}, not to its id ${m.id}: it was edited`);
  return problems;
}
