import { expect } from 'chai';
import { RESOURCE_RULES, STACK_RULES } from '../../policy/rules';
import { PRODUCTION_STACKS, type Subject } from '../../policy/rules/rule';
import { runStackProgram } from '../support/pulumi';

/**
 * Violations main has while another change is under way, each with what ends it. Nothing else
 * may be listed here: the test fails when one of these stops appearing, so the list cannot rot.
 */
const PENDING: { rule: string; type: string; until: string }[] = [];

for (const stack of ['dev', 'prod'] as const) {
  describe(`policy pack over every resource of the ${stack} program`, () => {
    it('finds no violation', async () => {
      const run = await runStackProgram(stack);
      const resources: Subject[] = run.resources.filter((r) => r.type.startsWith('aws:')).map((r) => ({ type: r.type, name: r.name, props: r.inputs, protect: r.protect }));
      const context = { production: PRODUCTION_STACKS.includes(stack) };
      const pending = (rule: string, r: Subject) => PENDING.some((p) => p.rule === rule && p.type === r.type);
      const violations = [
        ...RESOURCE_RULES.flatMap((rule) => resources.filter((r) => !pending(rule.name, r)).flatMap((r) => rule.check(r, context).map((m) => `${rule.name}: ${m}`))),
        ...STACK_RULES.flatMap((rule) => rule.checkStack(resources, context).map((v) => `${rule.name}: ${v.message}`)),
      ];
      expect(resources.length).to.be.greaterThan(50);
      expect(violations).to.deep.equal([]);
      for (const p of PENDING) {
        const rule = RESOURCE_RULES.find((r) => r.name === p.rule);
        const still = resources.filter((r) => r.type === p.type).some((r) => (rule?.check(r, context).length ?? 0) > 0);
        expect(still, `${p.rule} on ${p.type} passes now (${p.until}): remove it from PENDING`).to.equal(true);
      }
    });
  });
}
