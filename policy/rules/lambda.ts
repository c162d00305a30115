import type { ResourceRule } from './rule';

export const lambdaPermissionScoped: ResourceRule = {
  name: 'lambda-permission-source',
  description: 'A Lambda permission for an AWS service names the source ARN and the source account.',
  check(resource) {
    if (resource.type !== 'aws:lambda/permission:Permission') return [];
    const p = resource.props;
    const missing = [...(p.sourceArn ? [] : ['sourceArn']), ...(p.sourceAccount ? [] : ['sourceAccount'])];
    return missing.length === 0
      ? []
      : [`Lambda permission ${resource.name} lets ${p.principal} invoke without ${missing.join(' and ')}; set ${missing.join(' and ')} to the resource and account that may invoke`];
  },
};
