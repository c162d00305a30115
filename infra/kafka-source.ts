/**
 * Amazon MSK as a source of the dedup-filter application (stack config `sluice:sources.kafka`):
 * the network its interfaces go into (given subnets, or a VPC created here), what its role may do
 * on the cluster and in that network, and the names the consumer-lag alarms need.
 */
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import type { KafkaSourceConfig, NewVpcConfig, SluiceConfig } from '../stacks/types';
import type { Statement } from '../core/iam';
import { kafkaLagDimensions, mskResourceArns, type KafkaLagDimensions } from '../core/msk';
import { physicalName, tagsFor } from '../core/naming';

export { mskResourceArns };

/** The subnets and security groups the application's network interfaces use. */
export interface KafkaSourceNetwork {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
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
 * delete its elastic network interfaces in the application's subnets with its security groups.
 * EC2's Describe actions take no resource, so they are the only `*` here.
 */
export function vpcAccessStatements(config: Pick<SluiceConfig, 'account'>, network: KafkaSourceNetwork): Statement[] {
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
export type KafkaSourceMonitoring = KafkaLagDimensions;

export function kafkaSourceMonitoring(source: KafkaSourceConfig): KafkaSourceMonitoring {
  return kafkaLagDimensions(source);
}

/** Whether the stack asks for a VPC of its own for the MSK source: plain config, decided before any resource exists. */
export function createsVpc(config: Pick<SluiceConfig, 'sources'>): boolean {
  return config.sources.kafka?.network.newVpc !== undefined;
}

/** The port of MSK's IAM listener for clients inside AWS's network (BootstrapBrokerStringSaslIam). */
export const MSK_IAM_PORT = 9098;

/**
 * The awsx.ec2.Vpc arguments of a new VPC: in each zone a private subnet for the application's
 * network interfaces and a public one that only holds NAT gateways. Managed Flink puts a
 * VPC-connected application into private subnets only, and reaches AWS's APIs (Kinesis, S3, Glue,
 * KMS, CloudWatch) from there through a NAT gateway, so the private subnets route to one: a
 * single gateway for the VPC (`Single`, the default: cheaper, one zone's outage cuts the
 * application off AWS's APIs) or one per zone (`OnePerAz`, for production).
 */
export function newVpcArgs(config: Pick<SluiceConfig, 'stack' | 'tags'>, vpc: NewVpcConfig): awsx.ec2.VpcArgs {
  const tags = tagsFor(config, 'processing');
  return {
    cidrBlock: vpc.cidrBlock,
    availabilityZoneNames: [...vpc.availabilityZones],
    subnetStrategy: 'Auto',
    subnetSpecs: [
      { type: 'Private', name: 'flink', tags },
      { type: 'Public', name: 'nat', tags },
    ],
    natGateways: { strategy: vpc.natGateways },
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: { ...tags, Name: physicalName(config, 'kafka-source') },
  };
}

export interface KafkaSourceArgs {
  config: SluiceConfig;
  /** The source, from `sluice:sources.kafka`. */
  source: KafkaSourceConfig;
}

/**
 * The network of the MSK source: with `network.newVpc`, a VPC (awsx.ec2.Vpc, see newVpcArgs) and a
 * security group for the application's network interfaces; with `subnetIds` and
 * `securityGroupIds`, those, created elsewhere. The MSK cluster must be reachable from the
 * network either way: in the same VPC, or through peering or a transit gateway, with its security
 * group admitting the application's on port 9098.
 */
export class KafkaSource extends pulumi.ComponentResource {
  /** Where the application's network interfaces go. */
  readonly network: pulumi.Output<KafkaSourceNetwork>;
  /** The VPC created for the application, when the stack asks for one. */
  readonly vpc: awsx.ec2.Vpc | undefined;
  /** The security group of the application's network interfaces in that VPC. */
  readonly securityGroup: aws.ec2.SecurityGroup | undefined;
  readonly monitoring: KafkaSourceMonitoring;

  constructor(name: string, args: KafkaSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:processing:KafkaSource', name, {}, opts);
    const { config, source } = args;
    const network = source.network;
    this.monitoring = kafkaSourceMonitoring(source);
    if (network.newVpc !== undefined) {
      // A packaged component is handed only the providers its options name, not those its parent
      // inherits: name the stack's AWS provider (the awsx provider is inherited as its own).
      const awsProvider = this.getProvider('aws::');
      this.vpc = new awsx.ec2.Vpc(`${name}-vpc`, newVpcArgs(config, network.newVpc), { parent: this, providers: awsProvider ? [awsProvider] : [] });
      this.securityGroup = new aws.ec2.SecurityGroup(
        `${name}-flink-sg`,
        {
          name: physicalName(config, 'dedup-filter', 'msk'),
          description: `Sluice ${config.stack}: network interfaces of the dedup-filter application (MSK source)`,
          vpcId: this.vpc.vpcId,
          // Nothing connects to the application; it connects out only.
          ingress: [],
          egress: [
            { description: 'MSK brokers, IAM listener', protocol: 'tcp', fromPort: MSK_IAM_PORT, toPort: MSK_IAM_PORT, cidrBlocks: ['0.0.0.0/0'] },
            { description: 'AWS APIs (Kinesis, S3, Glue, KMS, CloudWatch, STS) through the NAT gateway', protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] },
          ],
          tags: tagsFor(config, 'processing'),
        },
        { parent: this },
      );
      this.network = pulumi.all([this.vpc.privateSubnetIds, this.securityGroup.id]).apply(([subnetIds, securityGroupId]) => ({ subnetIds, securityGroupIds: [securityGroupId] }));
    } else {
      this.vpc = undefined;
      this.securityGroup = undefined;
      // stacks/load.ts has checked that both are given when newVpc is not.
      this.network = pulumi.output({ subnetIds: [...(network.subnetIds ?? [])], securityGroupIds: [...(network.securityGroupIds ?? [])] });
    }
    this.registerOutputs({ network: this.network, vpcId: this.vpc?.vpcId, securityGroupId: this.securityGroup?.id });
  }
}
