import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent } from 'aws-lambda';
import { loadRegistry } from '../events/registry';
import { FORMATS, oneOf, required, UNKNOWN_EVENT_NAMES } from '../ingest/settings';
import { powertoolsCounters } from '../ingest/telemetry';
import { createS3IngestHandler, S3IngestResult } from './handler';

// Built once per execution environment (cold start): clients, compiled schemas, settings.
const logger = new Logger();
const env = process.env;
const metrics = new Metrics({ defaultDimensions: { source: required(env, 'SLUICE_SOURCE') } });
const ingest = createS3IngestHandler({
  settings: {
    source: required(env, 'SLUICE_SOURCE'),
    prefix: required(env, 'SLUICE_PREFIX'),
    format: oneOf(env, 'SLUICE_FORMAT', FORMATS, 'auto'),
    eventsStream: { arn: required(env, 'SLUICE_EVENTS_STREAM_ARN') },
    lakeBucket: required(env, 'SLUICE_LAKE_BUCKET'),
    unknownEventNames: oneOf(env, 'SLUICE_UNKNOWN_EVENT_NAMES', UNKNOWN_EVENT_NAMES, 'accept'),
  },
  s3: new S3Client({}),
  kinesis: new KinesisClient({}),
  registry: loadRegistry(),
  logger,
  counters: powertoolsCounters(metrics),
});

export async function handler(event: SNSEvent, context: Context): Promise<S3IngestResult> {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    return await ingest(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
