import { PolicyPack, type PolicyResource, type ResourceValidationArgs } from '@pulumi/policy';
import { RESOURCE_RULES, STACK_RULES } from './rules';
import { PRODUCTION_STACKS, stackOfUrn, type RuleContext, type Subject } from './rules/rule';

interface PackConfig {
  productionStacks?: string[];
}

const context = (urn: string, config: PackConfig): RuleContext => ({ production: (config.productionStacks ?? PRODUCTION_STACKS).includes(stackOfUrn(urn)) });

const subject = (r: ResourceValidationArgs | PolicyResource): Subject => ({ type: r.type, name: r.name, props: r.props, protect: r.opts.protect });

/**
 * The security baseline as a Pulumi policy pack: `pulumi preview --policy-pack policy` (make preview)
 * checks every resource of the stack against it. The rules are plain functions in rules/, tested
 * in tests/policy/ against hand-made resources and every resource of the dev and prod programs.
 */
new PolicyPack('sluice-baseline', {
  policies: [
    ...RESOURCE_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      enforcementLevel: 'mandatory' as const,
      configSchema: { properties: { productionStacks: { type: 'array' as const, items: { type: 'string' as const } } } },
      validateResource: (args: ResourceValidationArgs, report: (message: string) => void) => {
        for (const message of rule.check(subject(args), context(args.urn, args.getConfig<PackConfig>()))) report(message);
      },
    })),
    ...STACK_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      enforcementLevel: 'mandatory' as const,
      validateStack: (args: { resources: PolicyResource[]; getConfig<T extends object>(): T }, report: (message: string, urn?: string) => void) => {
        const resources = args.resources.map(subject);
        const urns = new Map(args.resources.map((r) => [r.name, r.urn]));
        const urn = args.resources[0]?.urn ?? '';
        for (const v of rule.checkStack(resources, context(urn, args.getConfig<PackConfig>()))) report(v.message, urns.get(v.resource));
      },
    })),
  ],
});
