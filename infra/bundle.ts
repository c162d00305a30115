import * as pulumi from '@pulumi/pulumi';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, where function entry points are resolved from. */
const ROOT = join(__dirname, '..');

export interface FunctionBundle {
  /** The Lambda code: one `index.js` exporting the entry point's exports. */
  readonly code: pulumi.asset.AssetArchive;
  /** SHA-256 of the bundled code, hex: the artifact's content address. */
  readonly sha256: string;
}

/**
 * Bundles a function's entry point (relative to the repository root) with esbuild for the Lambda
 * Node.js runtime, in the Pulumi program itself so no separate build step can be forgotten. The AWS
 * SDK v3 ships with the runtime and stays out of the bundle; everything else is inlined. The
 * output is deterministic, so an unchanged function is an unchanged artifact.
 *
 * `include` maps a folder of the archive to a folder of the repository whose files the function
 * reads at run time (e.g. `{ schemas: 'core/events/schemas' }`); they count in the hash.
 */
export function bundleFunction(entry: string, include: Readonly<Record<string, string>> = {}): FunctionBundle {
  const result = buildSync({
    entryPoints: [join(ROOT, entry)],
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
  const code = file.text;
  const assets: Record<string, pulumi.asset.Asset> = { 'index.js': new pulumi.asset.StringAsset(code) };
  const hash = createHash('sha256').update(code);
  for (const [folder, dir] of Object.entries(include).sort(([a], [b]) => a.localeCompare(b))) {
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const content = readFileSync(join(ROOT, dir, name), 'utf8');
      assets[`${folder}/${name}`] = new pulumi.asset.StringAsset(content);
      hash.update(`\0${folder}/${name}\0${content}`);
    }
  }
  return { code: new pulumi.asset.AssetArchive(assets), sha256: hash.digest('hex') };
}
