import * as pulumi from '@pulumi/pulumi';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
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
 */
export function bundleFunction(entry: string): FunctionBundle {
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
  return {
    code: new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(code) }),
    sha256: createHash('sha256').update(code).digest('hex'),
  };
}
