/**
 * Lambda entry point of the curated delivery stream's transformation: logs and counts what
 * `transformRecords` decided. Namespace and service come from POWERTOOLS_* environment variables
 * set by the delivery component.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { transformRecords } from './transform';

const logger = new Logger();
const metrics = new Metrics();

export async function handler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  const outcome = transformRecords(event.records);
  for (const failure of outcome.failures) {
    logger.warn('record sent to the processing-failed error output', { ...failure, deliveryStreamArn: event.deliveryStreamArn });
  }
  if (outcome.dropped > 0) logger.info('whitespace-only records dropped', { count: outcome.dropped });
  metrics.addMetric('CuratedRecordsOk', MetricUnit.Count, outcome.ok);
  metrics.addMetric('CuratedRecordsDropped', MetricUnit.Count, outcome.dropped);
  metrics.addMetric('CuratedRecordsFailed', MetricUnit.Count, outcome.failures.length);
  metrics.publishStoredMetrics();
  return outcome.response;
}
