import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseFunctionName } from '../core/release';

/** The repository root, where function entry points are resolved from. */
export const REPO_ROOT = join(__dirname, '..');

/** The folder of the archive that holds the schema registry of the ingestion functions. */
export const SCHEMA_REGISTRY = { schemas: 'core/events/schemas' } as const;

/**
 * Every Lambda function the platform deploys: its entry point and the repository folders it reads
 * at run time. The Pulumi program and `sluice release` both build from this one list.
 */
export const FUNCTIONS = {
  's3-ingest': { entry: 'functions/s3-ingest/index.ts', include: SCHEMA_REGISTRY },
  'stream-validate': { entry: 'functions/stream-validate/index.ts', include: SCHEMA_REGISTRY },
  'lake-freshness': { entry: 'functions/lake-freshness/index.ts', include: {} },
  'events-by-type': { entry: 'functions/events-by-type/index.ts', include: {} },
} as const satisfies Record<string, { entry: string; include: Readonly<Record<string, string>> }>;

export type FunctionName = keyof typeof FUNCTIONS & ReleaseFunctionName;
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** A function's deployable code: archive paths to file contents, and their content address. */
export interface FunctionCode {
  /** `index.js` and the included files, by their path inside the archive. */
  readonly files: Readonly<Record<string, string>>;
  /** SHA-256 (hex) over `index.js` and every included file with its path: see `functionCodeSha256`. */
  readonly sha256: string;
}

/**
 * The content address of a function's code. `index.js` first, then every other file in path
 * order, each behind its path, so a renamed or moved file changes the hash as well.
 */
export function functionCodeSha256(files: Readonly<Record<string, string>>): string {
  const code = files['index.js'];
  if (code === undefined) throw new Error('function code has no index.js');
  const hash = createHash('sha256').update(code);
  for (const path of Object.keys(files)
    .filter((p) => p !== 'index.js')
    .sort())
    hash.update(`\0${path}\0${files[path]}`);
  return hash.digest('hex');
}

/**
 * Bundles a function's entry point (relative to `root`) with esbuild for the Lambda Node.js
 * runtime. The AWS SDK v3 ships with the runtime and stays out of the bundle; everything else is
 * inlined. The output is deterministic, so an unchanged function is an unchanged artifact.
 *
 * `include` maps a folder of the archive to a folder of the repository whose files the function
 * reads at run time (e.g. `{ schemas: 'core/events/schemas' }`); they count in the hash.
 */
export function buildFunctionCode(entry: string, include: Readonly<Record<string, string>> = {}, root = REPO_ROOT): FunctionCode {
  const result = buildSync({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    write: false,
    outfile: 'index.js',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`bundling ${entry} produced no output`);
  const files: Record<string, string> = { 'index.js': file.text };
  for (const [folder, dir] of Object.entries(include)) {
    for (const name of readdirSync(join(root, dir)).sort()) files[`${folder}/${name}`] = readFileSync(join(root, dir, name), 'utf8');
  }
  return { files, sha256: functionCodeSha256(files) };
}

/** Builds one of the platform's functions (`FUNCTIONS`) from the working tree at `root`. */
export function buildNamedFunction(name: FunctionName, root = REPO_ROOT): FunctionCode {
  const { entry, include } = FUNCTIONS[name];
  return buildFunctionCode(entry, include, root);
}
