import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mskResourceArns } from '../../infra/kafka-source';
import { runtimeProperties } from '../../infra/processing';
import { loadStackConfig } from '../../stacks/load';
import { configProblems, TEST_ACCOUNT } from '../support/config';
import { allows, deniedPaths, pathsNeedingEachAction, type DocumentRequest } from '../support/iam';
import { MockRun, REPO_ROOT, mockEc2Id, runStackProgram } from '../support/pulumi';

const CLUSTER = 'arn:aws:kafka:eu-west-1:111111111111:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2';
const TOPIC = `arn:aws:kafka:eu-west-1:111111111111:topic/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2`;
const GROUP = `arn:aws:kafka:eu-west-1:111111111111:group/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2`;
const KAFKA = {
  clusterArn: CLUSTER,
  bootstrapServers: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
  topic: 'orders.events',
  network: { subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], securityGroupIds: ['sg-0ccc3333'] },
};
const NEW_VPC = { cidrBlock: '10.20.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'] };
const WITH_NEW_VPC = { ...KAFKA, network: { newVpc: NEW_VPC } };

/** The ${name} placeholders of the SQL files the runner loads for a table environment. */
function placeholders(job: string, tables: string): string[] {
  const sql = [`tables.${tables}.sql`, 'job.sql']
    .map((f) => readFileSync(join(REPO_ROOT, 'sql', 'flink', job, f), 'utf8'))
    .join('\n')
    .replace(/--[^\n]*/g, '');
  return [...new Set([...sql.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))].sort();
}

describe('Kafka / MSK as a source of dedup-filter', () => {
  describe('stack config sluice:sources.kafka', () => {
    it('accepts a cluster, topic and network, with the IAM defaults', () => {
      expect(configProblems({ account: TEST_ACCOUNT, sources: { kafka: KAFKA } })).to.deep.equal([]);
    });

    it('refuses a cluster ARN that is not one', () => {
      const problems = configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, clusterArn: 'arn:aws:kafka:eu-west-1:111111111111:topic/orders/x/t' } } });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain('sluice:sources.kafka.clusterArn').and.contain('an Amazon MSK cluster ARN');
    });

    it('refuses brokers that are not the IAM listener (port 9098)', () => {
      const problems = configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, bootstrapServers: 'b-1.orders:9092' } } });
      expect(problems[0]).to.contain('sluice:sources.kafka.bootstrapServers').and.contain('BootstrapBrokerStringSaslIam');
    });

    it('refuses a cluster in another region than the stack', () => {
      const problems = configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, clusterArn: CLUSTER.replace('eu-west-1', 'us-east-1') } } });
      expect(problems).to.deep.equal([
        "sluice:sources.kafka.clusterArn is in us-east-1, not in the stack's region eu-west-1; the Flink application reaches the cluster through network interfaces in its own region: use a cluster of that region",
      ]);
    });

    it('refuses a source without subnets to reach it from', () => {
      const problems = configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, network: { subnetIds: [], securityGroupIds: ['sg-0ccc3333'] } } } });
      expect(problems[0]).to.contain('sluice:sources.kafka.network.subnetIds');
    });

    it('refuses an authentication other than IAM', () => {
      expect(configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, auth: 'scram' } } })[0]).to.contain('sluice:sources.kafka.auth');
    });

    it('accepts a new VPC instead of subnets, with one NAT gateway by default', () => {
      expect(configProblems({ account: TEST_ACCOUNT, sources: { kafka: WITH_NEW_VPC } })).to.deep.equal([]);
      const c = loadStackConfig('test', { account: TEST_ACCOUNT, sources: { kafka: WITH_NEW_VPC } });
      expect(c.sources.kafka!.network).to.deep.equal({ newVpc: { ...NEW_VPC, natGateways: 'Single' } });
    });

    const network = (n: Record<string, unknown>) => configProblems({ account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, network: n } } });
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      [
        'a new VPC beside given subnets',
        { ...KAFKA.network, newVpc: NEW_VPC },
        [
          'sluice:sources.kafka.network.newVpc cannot be combined with sluice:sources.kafka.network.subnetIds and sluice:sources.kafka.network.securityGroupIds: ' +
            'the application goes into a VPC created for it or into given subnets, not both; remove newVpc to use the given subnets, or remove subnetIds and securityGroupIds to create the VPC',
        ],
      ],
      [
        'no network at all',
        {},
        [
          'sluice:sources.kafka.network needs either subnetIds and securityGroupIds (subnets of an existing VPC that reaches the cluster, and security groups it accepts on port 9098) ' +
            'or newVpc (cidrBlock, availabilityZones: a VPC created for the application); add one of them',
        ],
      ],
      [
        'subnets without security groups',
        { subnetIds: ['subnet-0aaa1111'] },
        ['sluice:sources.kafka.network.securityGroupIds is required with sluice:sources.kafka.network.subnetIds; add it, or replace both with newVpc to create a VPC'],
      ],
      [
        'a block whose address is not the network address',
        { newVpc: { ...NEW_VPC, cidrBlock: '10.20.1.0/16' } },
        ['sluice:sources.kafka.network.newVpc.cidrBlock "10.20.1.0/16" has bits set past its prefix; use the network address "10.20.0.0/16"'],
      ],
      [
        'a block too small for a subnet per zone',
        { newVpc: { ...NEW_VPC, cidrBlock: '10.20.0.0/26' } },
        [
          'sluice:sources.kafka.network.newVpc.cidrBlock must be an IPv4 CIDR block from /16 to /24 (got "10.20.0.0/26"); ' +
            'use a private range that does not overlap the network of the MSK cluster it is peered with, e.g. "10.20.0.0/16"',
        ],
      ],
      [
        'a zone of another region',
        { newVpc: { ...NEW_VPC, availabilityZones: ['eu-west-1a', 'us-east-1b'] } },
        ['sluice:sources.kafka.network.newVpc.availabilityZones[1] "us-east-1b" is not a zone of the stack\'s region eu-west-1; use zones such as "eu-west-1a", "eu-west-1b"'],
      ],
      [
        'a single zone',
        { newVpc: { ...NEW_VPC, availabilityZones: ['eu-west-1a'] } },
        ['sluice:sources.kafka.network.newVpc.availabilityZones must list at least 2 entries; add them, or remove the key around it'],
      ],
      [
        'no NAT gateway',
        { newVpc: { ...NEW_VPC, natGateways: 'None' } },
        ['sluice:sources.kafka.network.newVpc.natGateways must be one of "Single", "OnePerAz" (got "None"); pick one of those or remove it to use "Single"'],
      ],
    ];
    for (const [what, value, expected] of cases) {
      it(`refuses ${what}, naming the key and the fix`, () => {
        expect(network(value)).to.deep.equal(expected);
      });
    }

    it('refuses sluice:alerts.kafka, saying to move the source to sluice:sources.kafka', () => {
      expect(configProblems({ account: TEST_ACCOUNT, alerts: { kafka: { clusterName: 'orders', consumerGroup: 'sluice-dedup-filter', topic: 'orders.events' } } })).to.deep.equal([
        'sluice:alerts.kafka is no longer read: the consumer-lag alarms take the cluster name, topic and consumer group from sluice:sources.kafka, ' +
          'the MSK source dedup-filter reads; move the source to sluice:sources.kafka (clusterArn, bootstrapServers, topic, consumerGroup, network) ' +
          'and remove sluice:alerts.kafka (the threshold stays sluice:alerts.kafkaOffsetLag)',
      ]);
    });
  });

  describe('runtime properties of dedup-filter', () => {
    const streams = { events: 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-test-events', processed: 'p', aggregates: 'a' };
    const lake = { bucket: 'sluice-test-111111111111-lake', keyArn: 'k' };

    it('name the MSK tables and give the topic, brokers, group and start of the source', () => {
      const config = loadStackConfig('test', { account: TEST_ACCOUNT, sources: { kafka: { ...KAFKA, startingOffsets: 'latest' } } });
      const props = runtimeProperties('dedup-filter', config, streams, lake);
      expect(props).to.include({
        tables: 'cloud-msk',
        msk_bootstrap_servers: KAFKA.bootstrapServers,
        msk_topic: 'orders.events',
        msk_consumer_group: 'sluice-dedup-filter',
        msk_startup_mode: 'latest-offset',
      });
      const { job, tables, ...params } = props;
      expect([job, tables]).to.deep.equal(['dedup-filter', 'cloud-msk']);
      expect(Object.keys(params).sort()).to.deep.equal(placeholders('dedup-filter', 'cloud-msk'));
      expect(runtimeProperties('aggregate', config, streams, lake)).to.not.have.any.keys('tables', 'msk_topic');
    });

    it('start the source at the earliest offset by default, and leave the MSK keys out without a source', () => {
      const withKafka = loadStackConfig('test', { account: TEST_ACCOUNT, sources: { kafka: KAFKA } });
      expect(runtimeProperties('dedup-filter', withKafka, streams, lake).msk_startup_mode).to.equal('earliest-offset');
      const without = runtimeProperties('dedup-filter', loadStackConfig('test', { account: TEST_ACCOUNT }), streams, lake);
      expect(Object.keys(without).filter((k) => k === 'tables' || k.startsWith('msk_'))).to.deep.equal([]);
    });
  });

  it('derives the topic and group ARNs from the cluster ARN', () => {
    expect(mskResourceArns({ clusterArn: CLUSTER, topic: 'orders.events', consumerGroup: 'sluice-dedup-filter' })).to.deep.equal({
      cluster: CLUSTER,
      topic: `${TOPIC}/orders.events`,
      group: `${GROUP}/sluice-dedup-filter`,
    });
  });

  describe('resources under mocks', function () {
    this.timeout(120_000);
    let withKafka: MockRun;
    let without: MockRun;
    before(async () => {
      withKafka = await runStackProgram('dev', (c) => (c['sluice:sources'] = { kafka: KAFKA }));
      without = await runStackProgram('dev');
    });
    const policy = (run: MockRun, job: string) => JSON.parse(run.one('aws:iam/rolePolicy:RolePolicy', `-processing-${job}-policy`).inputs.policy as string);
    const app = (run: MockRun, job: string) => run.one('aws:kinesisanalyticsv2/application:Application', `-processing-${job}-app`).inputs;

    it('lets dedup-filter connect, read the topic and use its group, and nothing more on the cluster', () => {
      const p = policy(withKafka, 'dedup-filter');
      expect(allows(p, { why: 'kafka-cluster:Connect', action: 'kafka-cluster:Connect', resource: CLUSTER })).to.equal(true);
      expect(allows(p, { why: 'kafka-cluster:DescribeTopic', action: 'kafka-cluster:DescribeTopic', resource: `${TOPIC}/orders.events` })).to.equal(true);
      expect(allows(p, { why: 'kafka-cluster:ReadData', action: 'kafka-cluster:ReadData', resource: `${TOPIC}/orders.events` })).to.equal(true);
      expect(allows(p, { why: 'kafka-cluster:DescribeGroup', action: 'kafka-cluster:DescribeGroup', resource: `${GROUP}/sluice-dedup-filter` })).to.equal(true);
      expect(allows(p, { why: 'kafka-cluster:AlterGroup', action: 'kafka-cluster:AlterGroup', resource: `${GROUP}/sluice-dedup-filter` })).to.equal(true);
      expect(allows(p, { why: 'kafka-cluster:ReadData', action: 'kafka-cluster:ReadData', resource: `${TOPIC}/payments` })).to.equal(false);
      expect(allows(p, { why: 'kafka-cluster:AlterGroup', action: 'kafka-cluster:AlterGroup', resource: `${GROUP}/another-group` })).to.equal(false);
      expect(allows(p, { why: 'kafka-cluster:WriteData', action: 'kafka-cluster:WriteData', resource: `${TOPIC}/orders.events` })).to.equal(false);
      expect(allows(p, { why: 'kafka-cluster:Connect', action: 'kafka-cluster:Connect', resource: CLUSTER.replace('/orders/', '/billing/') })).to.equal(false);
      expect(allows(p, { why: 'kafka-cluster:DeleteTopic', action: 'kafka-cluster:DeleteTopic', resource: `${TOPIC}/orders.events` })).to.equal(false);
    });

    it('lets dedup-filter place its network interfaces in the given subnets and security group only', () => {
      const p = policy(withKafka, 'dedup-filter');
      const ec2 = 'arn:aws:ec2:eu-west-1:111111111111';
      expect(allows(p, { why: 'ec2:CreateNetworkInterface', action: 'ec2:CreateNetworkInterface', resource: `${ec2}:subnet/subnet-0aaa1111` })).to.equal(true);
      expect(allows(p, { why: 'ec2:CreateNetworkInterface', action: 'ec2:CreateNetworkInterface', resource: `${ec2}:security-group/sg-0ccc3333` })).to.equal(true);
      expect(allows(p, { why: 'ec2:CreateNetworkInterface', action: 'ec2:CreateNetworkInterface', resource: `${ec2}:subnet/subnet-0fff9999` })).to.equal(false);
      expect(allows(p, { why: 'ec2:DeleteNetworkInterface', action: 'ec2:DeleteNetworkInterface', resource: `${ec2}:network-interface/eni-0123` })).to.equal(true);
      expect(allows(p, { why: 'ec2:DescribeSubnets', action: 'ec2:DescribeSubnets', resource: '*' })).to.equal(true);
      expect(allows(p, { why: 'ec2:RunInstances', action: 'ec2:RunInstances', resource: '*' })).to.equal(false);
    });

    it('runs dedup-filter in those subnets, and leaves aggregate out of any VPC', () => {
      expect(app(withKafka, 'dedup-filter').applicationConfiguration.vpcConfiguration).to.deep.equal({
        subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
        securityGroupIds: ['sg-0ccc3333'],
      });
      expect(app(withKafka, 'aggregate').applicationConfiguration.vpcConfiguration).to.equal(undefined);
      expect(allows(policy(withKafka, 'aggregate'), { why: 'aggregate does not read MSK', action: 'kafka-cluster:Connect', resource: CLUSTER })).to.equal(false);
    });

    it('exposes the cluster name, topic and consumer group for the lag alarms, and the network', () => {
      expect(withKafka.outputs.kafkaSource).to.deep.equal({
        clusterName: 'orders',
        topic: 'orders.events',
        consumerGroup: 'sluice-dedup-filter',
        subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
        securityGroupIds: ['sg-0ccc3333'],
        vpcId: null,
      });
      expect(without.outputs.kafkaSource).to.equal(null);
    });

    it('alarms on the consumer-group lag of the source, with the dimensions MSK publishes it by', () => {
      const alarm = withKafka.one('aws:cloudwatch/metricAlarm:MetricAlarm', '-kafka-offset-lag');
      expect(alarm.inputs).to.include({ namespace: 'AWS/Kafka', metricName: 'SumOffsetLag', threshold: 100000 });
      expect(alarm.inputs.dimensions).to.deep.equal({ 'Cluster Name': 'orders', 'Consumer Group': 'sluice-dedup-filter', Topic: 'orders.events' });
      expect(without.ofType('aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.name.endsWith('-kafka-offset-lag'))).to.deep.equal([]);
    });

    it('creates no VPC, security group or awsx provider for given subnets', () => {
      for (const run of [withKafka, without]) {
        expect(run.ofType('awsx:ec2:Vpc')).to.deep.equal([]);
        expect(run.ofType('aws:ec2/securityGroup:SecurityGroup')).to.deep.equal([]);
        expect(run.ofType('pulumi:providers:awsx')).to.deep.equal([]);
      }
    });

    it('adds nothing without a Kafka source', () => {
      expect(app(without, 'dedup-filter').applicationConfiguration.vpcConfiguration).to.equal(undefined);
      expect(JSON.stringify(policy(without, 'dedup-filter')))
        .to.not.contain('kafka-cluster:')
        .and.not.contain('ec2:');
    });
  });

  describe('a new VPC under mocks', function () {
    this.timeout(120_000);
    let run: MockRun;
    let vpcId: string;
    let privateSubnets: string[];
    let publicSubnets: string[];
    let sgId: string;
    before(async () => {
      run = await runStackProgram('dev', (c) => (c['sluice:sources'] = { kafka: { ...WITH_NEW_VPC, network: { newVpc: { ...NEW_VPC, natGateways: 'OnePerAz' } } } }));
      const vpc = run.one('awsx:ec2:Vpc', '-processing-kafka-vpc');
      vpcId = mockEc2Id('vpc', vpc.name);
      privateSubnets = NEW_VPC.availabilityZones.map((z) => mockEc2Id('subnet', `${vpc.name}-flink-${z}`));
      publicSubnets = NEW_VPC.availabilityZones.map((z) => mockEc2Id('subnet', `${vpc.name}-nat-${z}`));
      sgId = mockEc2Id('sg', run.one('aws:ec2/securityGroup:SecurityGroup', '-processing-kafka-flink-sg').name);
    });
    const policy = () => JSON.parse(run.one('aws:iam/rolePolicy:RolePolicy', '-processing-dedup-filter-policy').inputs.policy as string);
    /** The stack's tags for processing resources, as the Flink applications carry them. */
    const tags = () => run.one('aws:kinesisanalyticsv2/application:Application', '-processing-dedup-filter-app').inputs.tags as Record<string, string>;

    it('builds the VPC with awsx inside the Kafka source component: a private and a public subnet per zone, NAT gateways as configured', () => {
      const vpc = run.one('awsx:ec2:Vpc', '-processing-kafka-vpc');
      expect(vpc.name).to.equal('sluice-dev-processing-kafka-vpc');
      expect(vpc.parentName).to.equal('sluice-dev-processing-kafka');
      expect(run.one('sluice:processing:KafkaSource', '-processing-kafka').parentName).to.equal('sluice-dev-processing');
      expect(vpc.inputs).to.deep.include({
        cidrBlock: '10.20.0.0/16',
        availabilityZoneNames: ['eu-west-1a', 'eu-west-1b'],
        subnetStrategy: 'Auto',
        natGateways: { strategy: 'OnePerAz' },
        enableDnsHostnames: true,
        enableDnsSupport: true,
      });
      expect(tags()).to.include({ project: 'sluice', stack: 'dev', component: 'processing' });
      expect(vpc.inputs.subnetSpecs).to.deep.equal([
        { type: 'Private', name: 'flink', tags: tags() },
        { type: 'Public', name: 'nat', tags: tags() },
      ]);
      expect(vpc.inputs.tags).to.deep.equal({ ...tags(), Name: 'sluice-dev-kafka-source' });
    });

    it('creates the VPC through an explicit awsx provider, and its AWS resources through the stack provider', () => {
      const [awsx, ...others] = run.ofType('pulumi:providers:awsx');
      expect(others).to.have.length(0);
      expect(awsx.name).to.equal('sluice-dev-awsx');
      const vpc = run.one('awsx:ec2:Vpc', '-processing-kafka-vpc');
      expect(vpc.provider).to.match(/^urn:pulumi:dev::sluice::(pulumi:pulumi:Stack\$)?pulumi:providers:awsx::sluice-dev-awsx::/);
      // The AWS resources the awsx provider creates for it use the providers the component is given.
      expect(vpc.providers).to.deep.equal(['sluice-dev-aws']);
      expect(run.one('aws:ec2/securityGroup:SecurityGroup', '-processing-kafka-flink-sg').provider).to.match(/^urn:pulumi:dev::sluice::(pulumi:pulumi:Stack\$)?pulumi:providers:aws::sluice-dev-aws::/);
    });

    it('gives the application a security group in that VPC that only connects out, to the brokers and to AWS APIs', () => {
      const sg = run.one('aws:ec2/securityGroup:SecurityGroup', '-processing-kafka-flink-sg');
      expect(sg.parentName).to.equal('sluice-dev-processing-kafka');
      expect(sg.inputs).to.deep.include({ name: 'sluice-dev-dedup-filter-msk', vpcId, ingress: [], tags: tags() });
      expect(sg.inputs.egress.map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks])).to.deep.equal([
        ['tcp', 9098, 9098, ['0.0.0.0/0']],
        ['tcp', 443, 443, ['0.0.0.0/0']],
      ]);
    });

    it("runs dedup-filter in the VPC's private subnets with that security group, and aggregate outside any VPC", () => {
      const app = (job: string) => run.one('aws:kinesisanalyticsv2/application:Application', `-processing-${job}-app`).inputs.applicationConfiguration;
      expect(app('dedup-filter').vpcConfiguration).to.deep.equal({ subnetIds: privateSubnets, securityGroupIds: [sgId] });
      // Started on creation, so only once the VPC and its security group are there.
      expect(run.one('aws:kinesisanalyticsv2/application:Application', '-processing-dedup-filter-app').dependsOn).to.include('sluice-dev-processing-kafka');
      expect(app('aggregate').vpcConfiguration).to.equal(undefined);
      expect(run.outputs.kafkaSource).to.deep.include({ subnetIds: privateSubnets, securityGroupIds: [sgId], vpcId });
    });

    it('lets the role place interfaces in exactly those subnets and that security group, and needs every network action it grants', () => {
      const p = policy();
      const ec2 = (type: string, id: string) => `arn:aws:ec2:eu-west-1:111111111111:${type}/${id}`;
      const eni = ec2('network-interface', 'eni-0123456789abcdef0');
      const needed: DocumentRequest[] = [
        ...privateSubnets.map((s) => ({ why: 'an interface in a private subnet', action: 'ec2:CreateNetworkInterface', resource: ec2('subnet', s) })),
        { why: 'an interface with the security group', action: 'ec2:CreateNetworkInterface', resource: ec2('security-group', sgId) },
        { why: 'the interface itself', action: 'ec2:CreateNetworkInterface', resource: eni },
        { why: 'Managed Flink attaches it', action: 'ec2:CreateNetworkInterfacePermission', resource: eni },
        { why: 'Managed Flink removes it', action: 'ec2:DeleteNetworkInterface', resource: eni },
        ...['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces'].map((action) => ({
          why: 'Managed Flink reads the network',
          action,
          resource: '*',
        })),
        { why: 'connect to the cluster', action: 'kafka-cluster:Connect', resource: CLUSTER },
        { why: 'describe the topic', action: 'kafka-cluster:DescribeTopic', resource: `${TOPIC}/orders.events` },
        { why: 'read the topic', action: 'kafka-cluster:ReadData', resource: `${TOPIC}/orders.events` },
        { why: 'join the group', action: 'kafka-cluster:DescribeGroup', resource: `${GROUP}/sluice-dedup-filter` },
        { why: 'commit offsets', action: 'kafka-cluster:AlterGroup', resource: `${GROUP}/sluice-dedup-filter` },
      ];
      expect(deniedPaths(p, needed)).to.deep.equal([]);
      const needing = pathsNeedingEachAction(p, needed);
      const networkAndMsk = Object.entries(needing).filter(([action]) => action.startsWith('ec2:') || action.startsWith('kafka-cluster:'));
      expect(networkAndMsk.map(([action]) => action).sort()).to.deep.equal([...new Set(needed.map((n) => n.action))].sort());
      expect(networkAndMsk.filter(([, failing]) => failing.length === 0).map(([action]) => action)).to.deep.equal([]);
      const outside: DocumentRequest[] = [
        ...publicSubnets.map((s) => ({ why: 'a public subnet (NAT only)', action: 'ec2:CreateNetworkInterface', resource: ec2('subnet', s) })),
        { why: 'another security group', action: 'ec2:CreateNetworkInterface', resource: ec2('security-group', 'sg-0ccc3333') },
        { why: 'a given subnet of another stack config', action: 'ec2:CreateNetworkInterface', resource: ec2('subnet', 'subnet-0aaa1111') },
      ];
      expect(deniedPaths(p, outside)).to.have.length(outside.length);
    });

    it('exposes the VPC, its private subnets and the security group in the stack output', () => {
      expect(run.outputs.kafkaSource).to.deep.equal({
        clusterName: 'orders',
        topic: 'orders.events',
        consumerGroup: 'sluice-dedup-filter',
        subnetIds: privateSubnets,
        securityGroupIds: [sgId],
        vpcId,
      });
    });
  });
});
