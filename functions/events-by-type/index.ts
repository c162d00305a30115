import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { EVENTS_BY_TYPE_METRIC } from '../../core/monitoring/alarms';
import { countByType } from './handler';

const logger = new Logger();
const metrics = new Metrics();

/** Reads the `aggregates` stream: one `EventsByType` datapoint per event type per batch, for the dashboard. */
export async function handler(event: KinesisStreamEvent): Promise<void> {
  const { byType, rejected } = countByType(event.Records);
  for (const r of rejected) logger.warn('record on the aggregates stream is not an aggregate', r);
  try {
    for (const [type, count] of byType) {
      const single = metrics.singleMetric();
      single.addDimension('event_type', type);
      single.addMetric(EVENTS_BY_TYPE_METRIC, MetricUnit.Count, count);
    }
  } finally {
    metrics.publishStoredMetrics();
  }
}
