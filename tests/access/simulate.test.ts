import { expect } from 'chai';
import { decide, describe as show, grantedActions, withoutAction, type StackDocument, type StackPolicies } from '../support/iam';
import { runStackProgram, type MockRun } from '../support/pulumi';
import { accessTables, configOf, policiesOf, type AccessPath } from './paths';

async function decideAll(policies: StackPolicies, paths: readonly AccessPath[]) {
  return Promise.all(paths.map(async (p) => ({ path: p, decision: await decide(policies, p, p.identity) })));
}

/** The granted actions (document, statement, action) whose removal leaves every needed path allowed; `only` limits the documents tried. */
async function unneededActions(policies: StackPolicies, allow: readonly AccessPath[], only: (doc: StackDocument) => boolean = () => true): Promise<string[]> {
  const survivors: string[] = [];
  for (const { doc, statement, action } of grantedActions(policies).filter((g) => only(g.doc))) {
    const mutated = policies.with(doc, withoutAction(doc.document, statement, action));
    // Only paths that this document takes part in can change.
    const touched = allow.filter((p) => doc.attachedTo === p.principal || policies.resourcePolicyOf(p.resource) === doc || (p.resource.startsWith(doc.attachedTo) && doc.kind !== 'identity'));
    const decisions = await decideAll(mutated, touched);
    if (decisions.every((d) => d.decision === 'Allowed')) survivors.push(`${doc.source} statement ${doc.document.Statement[statement]?.Sid ?? statement}: ${action}`);
  }
  return survivors;
}

for (const stack of ['dev', 'prod'] as const) {
  describe(`access paths of the ${stack} stack, simulated over identity, resource and key policies`, function () {
    let run: MockRun;
    let policies: StackPolicies;
    let tables: ReturnType<typeof accessTables>;
    before(async () => {
      run = await runStackProgram(stack);
      policies = policiesOf(run, stack);
      tables = accessTables(run, configOf(stack));
    });

    it('allows every path the platform needs', async () => {
      const refused = (await decideAll(policies, tables.allow)).filter((r) => r.decision !== 'Allowed');
      expect(refused.map((r) => `${r.path.who}: ${show(r.path)} (${r.path.doc}) -> ${r.decision}`)).to.deep.equal([]);
      expect(tables.allow.length).to.be.greaterThan(100);
    });

    it('denies every path that must stay closed', async () => {
      const opened = (await decideAll(policies, tables.deny)).filter((r) => r.decision === 'Allowed');
      expect(opened.map((r) => `${r.path.who}: ${show(r.path)} (${r.path.doc})`)).to.deep.equal([]);
      expect(tables.deny.length).to.be.greaterThan(20);
    });

    it('refuses the Flink read and the analyst results once kinesis:GetRecords or athena:GetQueryResults is taken out', async () => {
      for (const [source, action] of [
        [`rolePolicy sluice-${stack}-processing-dedup-filter-policy`, 'kinesis:GetRecords'],
        [`iam/policy sluice-${stack}-analytics-analyst-policy`, 'athena:GetQueryResults'],
      ] as const) {
        const doc = policies.documents.find((d) => d.source.endsWith(source.split(' ')[1] as string));
        expect(doc, source).to.not.equal(undefined);
        const statement = doc!.document.Statement.findIndex((s) => [s.Action].flat().includes(action));
        const mutated = policies.with(doc!, withoutAction(doc!.document, statement, action));
        const paths = tables.allow.filter((p) => p.principal === doc!.attachedTo && p.action === action);
        expect(paths.length, action).to.be.greaterThan(0);
        for (const p of paths) expect(await decide(mutated, p, p.identity), show(p)).to.equal('ImplicitlyDenied');
      }
    });

    it('needs every action it grants: removing any one of them closes at least one needed path', async function () {
      this.timeout(600000);
      expect(await unneededActions(policies, tables.allow), 'actions no needed path uses').to.deep.equal([]);
    });
  });
}

/** An MSK source (dev with `sluice:sources.kafka`): the dedup-filter role then also reads the topic and places its network interfaces. */
const KAFKA = {
  clusterArn: 'arn:aws:kafka:eu-west-1:111111111111:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
  bootstrapServers: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
  topic: 'orders.events',
  network: { subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], securityGroupIds: ['sg-0ccc3333'] },
};

/** The same source with a VPC created for the application instead of given subnets. */
const KAFKA_NEW_VPC = { ...KAFKA, network: { newVpc: { cidrBlock: '10.20.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] } } };

for (const [what, source] of [
  ['given subnets', KAFKA],
  ['a VPC created for it', KAFKA_NEW_VPC],
] as const)
  describe(`access paths of the dev stack with an MSK source in ${what}, simulated`, function () {
    let policies: StackPolicies;
    let tables: ReturnType<typeof accessTables>;
    const edit = (c: Record<string, any>) => {
      c['sluice:sources'] = { kafka: source };
    };
    before(async () => {
      const run = await runStackProgram('dev', edit);
      policies = policiesOf(run, 'dev');
      tables = accessTables(run, configOf('dev', edit));
    });

    it('allows the MSK and network paths, and the dedup-filter role needs every action it grants', async function () {
      this.timeout(600000);
      const msk = tables.allow.filter((p) => p.action.startsWith('kafka-cluster:') || p.action.startsWith('ec2:'));
      // 5 on the cluster, 5 EC2 describes, 2 on the interface; one CreateNetworkInterface per subnet, security group and the interface.
      const subnets = source === KAFKA ? 2 : 3;
      expect(msk.length).to.equal(5 + 5 + 2 + subnets + 1 + 1);
      const refused = (await decideAll(policies, tables.allow)).filter((r) => r.decision !== 'Allowed');
      expect(refused.map((r) => `${r.path.who}: ${show(r.path)} -> ${r.decision}`)).to.deep.equal([]);
      expect(await unneededActions(policies, tables.allow, (doc) => doc.source.endsWith('-processing-dedup-filter-policy')), 'actions no needed path uses').to.deep.equal([]);
    });
  });
