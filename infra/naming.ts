import * as pulumi from '@pulumi/pulumi';
import { SluiceConfig } from '../stacks/types';

/**
 * Options for stateful resources (streams, buckets, key, databases): with `protection.stateful`
 * they cannot be deleted by a `pulumi up` or `destroy`, and are left in place if removed from state.
 */
export function statefulOptions(config: Pick<SluiceConfig, 'protection'>, parent: pulumi.Resource): pulumi.CustomResourceOptions {
  const keep = config.protection.stateful;
  return { parent, protect: keep, retainOnDelete: keep };
}
