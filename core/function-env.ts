/**
 * The environment variables the ingestion functions read, named once: infra/ingestion.ts sets
 * them and the functions' entry points read them, so a rename cannot leave one side behind.
 */
export const FUNCTION_ENV = {
  eventsStreamArn: 'SLUICE_EVENTS_STREAM_ARN',
  lakeBucket: 'SLUICE_LAKE_BUCKET',
  unknownEventNames: 'SLUICE_UNKNOWN_EVENT_NAMES',
  source: 'SLUICE_SOURCE',
  prefix: 'SLUICE_PREFIX',
  format: 'SLUICE_FORMAT',
} as const;

/** The metric namespace of every function's EMF metrics (Powertools reads it from the environment). */
export const METRICS_NAMESPACE = 'Sluice';

/** The environment of the lake-freshness function (infra/monitoring.ts sets it). */
export const LAKE_FRESHNESS_ENV = {
  database: 'SLUICE_GLUE_DATABASE',
  tables: 'SLUICE_LAKE_TABLES',
} as const;
