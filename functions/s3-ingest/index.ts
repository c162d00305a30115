import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SNSEvent } from 'aws-lambda';
import { loadRegistry } from '../../core/events/registry';
import { FORMATS, oneOf, required, UNKNOWN_EVENT_NAMES } from '../ingest/settings';
import { powertoolsCounters } from '../ingest/telemetry';
import { timedRequestHandler } from '../ingest/clients';
import { createS3IngestHandler, S3IngestResult } from './handler';
import { FUNCTION_ENV } from '../../core/function-env';

// Built once per execution environment (cold start): clients, compiled schemas, settings.
const logger = new Logger();
const env = process.env;
const metrics = new Metrics({ defaultDimensions: { source: required(env, FUNCTION_ENV.source) } });
const ingest = createS3IngestHandler({
  settings: {
    source: required(env, FUNCTION_ENV.source),
    prefix: required(env, FUNCTION_ENV.prefix),
    format: oneOf(env, FUNCTION_ENV.format, FORMATS, 'auto'),
    eventsStream: { arn: required(env, FUNCTION_ENV.eventsStreamArn) },
    lakeBucket: required(env, FUNCTION_ENV.lakeBucket),
    unknownEventNames: oneOf(env, FUNCTION_ENV.unknownEventNames, UNKNOWN_EVENT_NAMES, 'accept'),
  },
  s3: new S3Client({ requestHandler: timedRequestHandler() }),
  kinesis: new KinesisClient({ requestHandler: timedRequestHandler() }),
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
