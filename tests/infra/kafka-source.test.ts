import { expect } from 'chai';
import { mskResourceArns } from '../../infra/kafka-source';
import { configProblems, TEST_ACCOUNT } from '../support/config';
import { allows } from '../support/iam';
import { MockRun, runStackProgram } from '../support/pulumi';

const CLUSTER = 'arn:aws:kafka:eu-west-1:111111111111:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2';
const TOPIC = `arn:aws:kafka:eu-west-1:111111111111:topic/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2`;
const GROUP = `arn:aws:kafka:eu-west-1:111111111111:group/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2`;
const KAFKA = {
  clusterArn: CLUSTER,
  bootstrapServers: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
  topic: 'orders.events',
  network: { subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], securityGroupIds: ['sg-0ccc3333'] },
};

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

    it('exposes the cluster name, topic and consumer group for the lag alarms', () => {
      expect(withKafka.outputs.kafkaSource).to.deep.equal({ clusterName: 'orders', topic: 'orders.events', consumerGroup: 'sluice-dedup-filter' });
      expect(without.outputs.kafkaSource).to.equal(null);
    });

    it('adds nothing without a Kafka source', () => {
      expect(app(without, 'dedup-filter').applicationConfiguration.vpcConfiguration).to.equal(undefined);
      expect(JSON.stringify(policy(without, 'dedup-filter'))).to.not.contain('kafka-cluster:').and.not.contain('ec2:');
    });
  });
});
