import * as pulumi from '@pulumi/pulumi';
import { buildFunctionCode, type FunctionCode } from './function-code';

export interface FunctionBundle {
  /** The Lambda code: one `index.js` exporting the entry point's exports, and the included files. */
  readonly code: pulumi.asset.AssetArchive;
  /** SHA-256 of the bundled code, hex: the artifact's content address. */
  readonly sha256: string;
}

/** The Lambda archive of already built function code (from the working tree or a release). */
export function functionBundle(code: FunctionCode): FunctionBundle {
  const assets: Record<string, pulumi.asset.Asset> = {};
  for (const [path, content] of Object.entries(code.files)) assets[path] = new pulumi.asset.StringAsset(content);
  return { code: new pulumi.asset.AssetArchive(assets), sha256: code.sha256 };
}

/**
 * Bundles a function's entry point (relative to the repository root) with esbuild, in the Pulumi
 * program itself so no separate build step can be forgotten (`buildFunctionCode`).
 */
export function bundleFunction(entry: string, include: Readonly<Record<string, string>> = {}): FunctionBundle {
  return functionBundle(buildFunctionCode(entry, include));
}
