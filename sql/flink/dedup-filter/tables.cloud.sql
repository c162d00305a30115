-- dedup-filter in Managed Service for Apache Flink: Kinesis "events" in, Kinesis "processed" and the
-- Iceberg table events out.
-- The record is one record_text STRING column, so it leaves exactly as it arrived.

CREATE TEMPORARY TABLE events (
  record_text STRING
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = ${events_stream_arn},
  'aws.region' = ${region},
  'source.init.position' = ${start_position},
  'format' = 'raw'
);

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = ${processed_stream_arn},
  'aws.region' = ${region},
  'format' = 'raw'
);

-- The Iceberg table events in the stack's Glue database (declared there by the platform, with
-- its partition spec; this job only appends to it), data and metadata files in the lake bucket's
-- curated/ prefix, encrypted with the stack key. Rows are committed with each checkpoint.
CREATE TEMPORARY TABLE lake_events (
  event_uuid STRING,
  event_name STRING,
  event_type STRING,
  event_subtype STRING,
  created_at DOUBLE,
  created_datetime TIMESTAMP(6),
  ingested_at TIMESTAMP(6),
  source STRING,
  payload STRING
) WITH (
  'connector' = 'iceberg',
  'catalog-name' = 'glue',
  'catalog-impl' = 'org.apache.iceberg.aws.glue.GlueCatalog',
  'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  'warehouse' = ${lake_warehouse},
  'client.region' = ${region},
  's3.sse.type' = 'kms',
  's3.sse.key' = ${kms_key_arn},
  'catalog-database' = ${glue_database},
  'catalog-table' = 'events'
);
