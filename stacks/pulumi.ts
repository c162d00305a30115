import * as pulumi from '@pulumi/pulumi';
import { ConfigError, loadStackConfig, sluiceValues } from './load';
import { SluiceConfig } from './types';

/**
 * Reads the running stack's `sluice:` configuration from Pulumi, once. A bad value stops the
 * program before any resource is created, with every problem listed.
 */
export function loadPulumiStackConfig(): SluiceConfig {
  try {
    return loadStackConfig(pulumi.getStack(), sluiceValues(pulumi.runtime.allConfig()));
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
