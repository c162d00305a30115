import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument, Scalar } from 'yaml';
import { ConfigError, loadStackConfig, sluiceValues } from './load';
import { SluiceConfig } from './types';

export function stackFilePath(stack: string, projectDir: string): string {
  return join(projectDir, `Pulumi.${stack}.yaml`);
}

/**
 * Reads `Pulumi.<stack>.yaml` the way Pulumi would and validates it, without the Pulumi CLI.
 * Throws a `ConfigError` for a missing file, malformed YAML, or invalid values.
 */
export function loadStackFile(stack: string, projectDir: string): SluiceConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new ConfigError(stack, [`stack name ${JSON.stringify(stack)} is not a valid Pulumi stack name; use letters, digits, "-", "_" or "."`]);
  }
  const path = stackFilePath(stack, projectDir);
  if (!existsSync(path)) {
    throw new ConfigError(stack, [`${path} does not exist; create it (copy Pulumi.dev.yaml and edit it) or pick an existing stack with --stack`]);
  }
  return loadStackText(stack, path, readFileSync(path, 'utf8'));
}

/** Validates the text of a stack file (`path` only names it in messages); see `loadStackFile`. */
export function loadStackText(stack: string, path: string, text: string): SluiceConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      stack,
      doc.errors.map((e) => `${path} is not valid YAML at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}; fix the syntax there`),
    );
  }
  const body: unknown = doc.toJS();
  const config = (body as { config?: unknown } | null)?.config;
  if (config === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(stack, [`${path} has no "config:" map; put the sluice:* keys under a top-level "config:" key`]);
  }
  return loadStackConfig(stack, sluiceValues(config as Record<string, unknown>));
}

/**
 * The stack file's text with `sluice:release` set to `release`, comments and layout kept; the key
 * goes right after `sluice:account` when it is new.
 */
export function pinRelease(text: string, release: string): string {
  const doc = parseDocument(text, { uniqueKeys: true });
  const config = doc.get('config', true);
  if (!isMap(config)) throw new Error('the stack file has no "config:" map; put the sluice:* keys under a top-level "config:" key');
  // Quoted: an id of digits only (or digits and one "e") would otherwise read back as a number.
  const value = new Scalar(release);
  value.type = 'QUOTE_DOUBLE';
  if (config.has('sluice:release')) {
    config.set('sluice:release', value);
  } else {
    const at = config.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === 'sluice:account');
    config.items.splice(at + 1, 0, doc.createPair('sluice:release', value));
  }
  return doc.toString({ flowCollectionPadding: false });
}
