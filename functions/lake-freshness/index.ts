import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GlueClient } from '@aws-sdk/client-glue';
import { LAKE_COMMIT_AGE_METRIC } from '../../core/monitoring/alarms';
import { LAKE_FRESHNESS_ENV } from '../../core/function-env';
import { required } from '../ingest/settings';
import { publishFreshness, type TableCommit } from './handler';

const logger = new Logger();
const metrics = new Metrics();
const glue = new GlueClient({});
const database = required(process.env, LAKE_FRESHNESS_ENV.database);
const tables = required(process.env, LAKE_FRESHNESS_ENV.tables).split(',');

/** Runs on a schedule (EventBridge): one `LakeCommitAgeSeconds` datapoint per table. */
export async function handler(): Promise<TableCommit[]> {
  try {
    return await publishFreshness({
      glue,
      database,
      tables,
      now: Date.now,
      publish: (table, age) => {
        const single = metrics.singleMetric();
        single.addDimension('table', table);
        single.addMetric(LAKE_COMMIT_AGE_METRIC, MetricUnit.Seconds, age);
      },
      warn: (message, details) => logger.warn(message, details),
    });
  } finally {
    metrics.publishStoredMetrics();
  }
}
