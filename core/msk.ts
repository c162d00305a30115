/**
 * An Amazon MSK topic as a source (stack config `sluice:sources.kafka`): the ARNs its IAM
 * permissions name, the dimensions its consumer-lag metrics carry, and the SQL parameters of the
 * dedup-filter job that reads it. Pure functions of the config.
 */
import type { KafkaSourceConfig } from '../stacks/types';

const CLUSTER_ARN = /^(arn:[^:]+:kafka:[^:]+:\d{12}):cluster\/([^/]+)\/([^/]+)$/;

function clusterParts(clusterArn: string): { prefix: string; name: string; uuid: string } {
  const match = CLUSTER_ARN.exec(clusterArn);
  if (!match) throw new Error(`${clusterArn} is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`);
  const [, prefix, name, uuid] = match;
  return { prefix, name, uuid };
}

/** The cluster, topic and group ARNs of a source, from the cluster ARN (…:cluster/<name>/<uuid>). */
export function mskResourceArns(source: Pick<KafkaSourceConfig, 'clusterArn' | 'topic' | 'consumerGroup'>): { cluster: string; topic: string; group: string } {
  const { prefix, name, uuid } = clusterParts(source.clusterArn);
  return {
    cluster: source.clusterArn,
    topic: `${prefix}:topic/${name}/${uuid}/${source.topic}`,
    group: `${prefix}:group/${name}/${uuid}/${source.consumerGroup}`,
  };
}

/** What MSK's consumer-lag metrics (AWS/Kafka `MaxOffsetLag`, `SumOffsetLag`) of the source are dimensioned by. */
export interface KafkaLagDimensions {
  /** The `Cluster Name` dimension: the name part of the cluster ARN. */
  readonly clusterName: string;
  /** The `Topic` dimension. */
  readonly topic: string;
  /** The `Consumer Group` dimension. */
  readonly consumerGroup: string;
}

export function kafkaLagDimensions(source: Pick<KafkaSourceConfig, 'clusterArn' | 'topic' | 'consumerGroup'>): KafkaLagDimensions {
  return { clusterName: clusterParts(source.clusterArn).name, topic: source.topic, consumerGroup: source.consumerGroup };
}

/** The runner's table environment for dedup-filter with an MSK source (sql/flink/dedup-filter/tables.cloud-msk.sql). */
export const MSK_TABLES = 'cloud-msk';

/**
 * The SQL parameters of the MSK source table, named as tables.cloud-msk.sql declares them; the
 * runner validates each against its type (Parameters.java) before it reaches SQL.
 */
export function mskSqlParameters(source: KafkaSourceConfig): Record<string, string> {
  return {
    msk_bootstrap_servers: source.bootstrapServers,
    msk_topic: source.topic,
    msk_consumer_group: source.consumerGroup,
    msk_startup_mode: source.startingOffsets === 'earliest' ? 'earliest-offset' : 'latest-offset',
  };
}
