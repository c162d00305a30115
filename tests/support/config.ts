import { ConfigError, loadStackConfig } from '../../stacks/load';

export const TEST_ACCOUNT = { id: '111111111111', region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::111111111111:role/sluice-deploy' };

/** Every problem the loader reports for these `sluice:` values, or none. */
export function configProblems(values: Record<string, unknown>): readonly string[] {
  try {
    loadStackConfig('test', values);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
