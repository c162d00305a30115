import { expect } from 'chai';
import { decide, describe as show } from '../support/iam';
import { runStackProgram } from '../support/pulumi';
import { accessTables, configOf, policiesOf } from './paths';

const ACCOUNT = '333333333333';

/** One account listed as producer, consumer, both or neither (each with a role where listed); 444... and 555... are never listed. */
const COMBINATIONS = {
  neither: { producers: [], consumers: [] },
  'producer only': { producers: [{ account: ACCOUNT, role: 'partner-producer' }], consumers: [] },
  'consumer only': { producers: [], consumers: [{ account: ACCOUNT, consumers: ['reader'], role: 'partner-reader' }] },
  both: { producers: [{ account: ACCOUNT, role: 'partner-producer' }], consumers: [{ account: ACCOUNT, consumers: ['reader', 'audit'], role: 'partner-reader' }] },
} as const;

describe('cross-account access: an account gets exactly what config lists', function () {
  for (const [name, access] of Object.entries(COMBINATIONS)) {
    it(`account ${ACCOUNT} listed as ${name}`, async () => {
      const edit = (c: Record<string, any>) => {
        c['sluice:access'] = access;
      };
      const run = await runStackProgram('dev', edit);
      const policies = policiesOf(run, 'dev');
      const { allow, deny } = accessTables(run, configOf('dev', edit));
      const mine = (p: { principal: string }) => p.principal.includes(`::${ACCOUNT}:`) || p.principal.includes('-access-partner-');
      const allowMine = allow.filter(mine);
      const denyMine = deny.filter(mine);
      const refused = [];
      for (const p of allowMine) if ((await decide(policies, p, p.identity)) !== 'Allowed') refused.push(show(p));
      const opened = [];
      for (const p of denyMine) if ((await decide(policies, p, p.identity)) === 'Allowed') opened.push(show(p));
      expect({ refused, opened }).to.deep.equal({ refused: [], opened: [] });
      const isProducer = access.producers.length > 0;
      const isConsumer = access.consumers.length > 0;
      expect(allowMine.some((p) => p.action === 'kinesis:PutRecords')).to.equal(isProducer);
      expect(allowMine.some((p) => p.action === 'kinesis:SubscribeToShard')).to.equal(isConsumer);
      expect(denyMine.some((p) => p.action === 'kinesis:PutRecords' && p.resource.endsWith('-ingest'))).to.equal(!isProducer);
      expect(denyMine.some((p) => p.action === 'kinesis:SubscribeToShard')).to.equal(!isConsumer);
      const roles = run
        .ofType('aws:iam/role:Role')
        .map((r) => r.inputs.name)
        .filter((r: string) => r.startsWith('sluice-dev-access-'));
      expect(roles.sort()).to.deep.equal([...(isProducer ? ['sluice-dev-access-partner-producer'] : []), ...(isConsumer ? ['sluice-dev-access-partner-reader'] : [])]);
      const registered = run.ofType('aws:kinesis/streamConsumer:StreamConsumer').map((c) => c.inputs.name);
      expect(registered).to.deep.equal(isConsumer ? access.consumers[0]!.consumers.map((c) => `${ACCOUNT}-${c}`) : []);
    });
  }
});
