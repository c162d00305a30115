/**
 * The Flink SQL jobs (sql/flink/<job>/), each its own Managed Service for Apache Flink
 * application in the cloud and its own mini-cluster run locally, and the SQL parameters both
 * pass them from the stack's processing config.
 */
import type { ProcessingConfig } from '../stacks/types';

export const FLINK_JOBS = ['dedup-filter', 'aggregate'] as const;
export type FlinkJobName = (typeof FLINK_JOBS)[number];

export function isFlinkJob(name: string): name is FlinkJobName {
  return (FLINK_JOBS as readonly string[]).includes(name);
}

/**
 * The SQL parameters of a job from the stack's processing config, named as the runner's SQL
 * declares them. The cloud applications and the local mode pass the same values.
 */
export function jobSqlParameters(job: FlinkJobName, config: { readonly processing: ProcessingConfig }): Record<string, string> {
  const p = config.processing;
  if (job === 'dedup-filter') {
    return {
      dedup_ttl_seconds: String(p.dedupTtlHours * 3600),
      exclude_event_types: p.excludeEventTypes.join(','),
      exclude_event_names: p.excludeEventNames.join(','),
      max_future_skew_seconds: String(p.maxFutureSkewSeconds),
    };
  }
  return { window_seconds: String(p.windowSeconds), allowed_lateness_seconds: String(p.allowedLatenessSeconds) };
}
