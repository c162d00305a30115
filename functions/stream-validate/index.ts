import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadRegistry } from '../../core/events/registry';
import { oneOf, required, UNKNOWN_EVENT_NAMES } from '../ingest/settings';
import { powertoolsCounters } from '../ingest/telemetry';
import { timedRequestHandler } from '../ingest/clients';
import { createStreamValidateHandler, STREAM_SOURCE } from './handler';
import { FUNCTION_ENV } from '../../core/function-env';

// Built once per execution environment (cold start): clients, compiled schemas, settings.
const logger = new Logger();
const metrics = new Metrics({ defaultDimensions: { source: STREAM_SOURCE } });
const env = process.env;
const validate = createStreamValidateHandler({
  settings: {
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

export async function handler(event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    return await validate(event, context);
  } finally {
    metrics.publishStoredMetrics();
  }
}
