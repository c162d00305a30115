/**
 * Amazon MSK as a source of the dedup-filter application (stack config `sluice:sources.kafka`):
 * what its role may do on the cluster, what it needs to place its network interfaces in the
 * given subnets, and the names the consumer-lag alarms need.
 */
import type { KafkaSourceConfig, SluiceConfig } from '../stacks/types';
import type { Statement } from '../core/iam';

/** The cluster, topic and group ARNs of a source, from the cluster ARN (…:cluster/<name>/<uuid>). */
export function mskResourceArns(source: Pick<KafkaSourceConfig, 'clusterArn' | 'topic' | 'consumerGroup'>): { cluster: string; topic: string; group: string } {
  const match = /^(arn:[^:]+:kafka:[^:]+:\d{12}):cluster\/([^/]+)\/([^/]+)$/.exec(source.clusterArn);
  if (!match) throw new Error(`${source.clusterArn} is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`);
  const [, prefix, name, uuid] = match;
  return {
    cluster: source.clusterArn,
    topic: `${prefix}:topic/${name}/${uuid}/${source.topic}`,
    group: `${prefix}:group/${name}/${uuid}/${source.consumerGroup}`,
  };
}

/**
 * What reading one topic as one consumer group takes under MSK IAM access control: connect to the
 * cluster, describe and read that topic, describe and commit offsets of that group. Nothing else
 * on the cluster: no other topic, no write, no topic or group administration.
 */
export function mskReadStatements(source: KafkaSourceConfig): Statement[] {
  const arns = mskResourceArns(source);
  return [
    { Sid: 'ConnectToSourceCluster', Effect: 'Allow', Action: ['kafka-cluster:Connect'], Resource: [arns.cluster] },
    { Sid: 'ReadSourceTopic', Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], Resource: [arns.topic] },
    { Sid: 'UseSourceConsumerGroup', Effect: 'Allow', Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], Resource: [arns.group] },
  ];
}

/**
 * What Managed Flink needs to run an application in a VPC: describe the network, and create and
 * delete its elastic network interfaces in the configured subnets with the configured security
 * groups. EC2's Describe actions take no resource, so they are the only `*` here.
 */
export function vpcAccessStatements(config: Pick<SluiceConfig, 'account'>, network: KafkaSourceConfig['network']): Statement[] {
  const { id, region } = config.account;
  const ec2 = (type: string, resourceId: string) => `arn:aws:ec2:${region}:${id}:${type}/${resourceId}`;
  return [
    {
      Sid: 'DescribeNetwork',
      Effect: 'Allow',
      Action: ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces'],
      Resource: ['*'],
    },
    {
      Sid: 'CreateNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface'],
      Resource: [...network.subnetIds.map((s) => ec2('subnet', s)), ...network.securityGroupIds.map((g) => ec2('security-group', g)), ec2('network-interface', '*')],
    },
    {
      Sid: 'ManageOwnNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'],
      Resource: [ec2('network-interface', '*')],
    },
  ];
}

/** What the consumer-lag alarms (MSK's MaxOffsetLag / SumOffsetLag) are dimensioned by. */
export interface KafkaSourceMonitoring {
  /** The `Cluster Name` dimension. */
  clusterName: string;
  /** The `Topic` dimension. */
  topic: string;
  /** The `Consumer Group` dimension. */
  consumerGroup: string;
}

export function kafkaSourceMonitoring(source: KafkaSourceConfig): KafkaSourceMonitoring {
  return { clusterName: source.clusterArn.split('/')[1], topic: source.topic, consumerGroup: source.consumerGroup };
}
