-- aggregate in Managed Service for Apache Flink: Kinesis "processed" in, Kinesis "aggregates" and the
-- Iceberg table aggregates out.

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = ${processed_stream_arn},
  'aws.region' = ${region},
  'source.init.position' = ${start_position},
  'format' = 'raw'
);

CREATE TEMPORARY TABLE aggregates (
  window_start STRING,
  window_end STRING,
  event_type STRING,
  event_subtype STRING,
  event_count BIGINT
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = ${aggregates_stream_arn},
  'aws.region' = ${region},
  'format' = 'json'
);

-- Late events are already in the processed stream and the raw archive, so the cloud keeps no
-- second copy: the sink discards them, and the window operator's numLateRecordsDropped metric
-- (published to CloudWatch by Managed Service for Apache Flink) counts them.
CREATE TEMPORARY TABLE late_events (
  record_text STRING
) WITH (
  'connector' = 'blackhole'
);

-- The Iceberg table aggregates in the stack's Glue database (declared there by the platform, with
-- its partition spec; this job only appends to it), data and metadata files in the lake bucket's
-- curated/ prefix, encrypted with the stack key. Rows are committed with each checkpoint.
CREATE TEMPORARY TABLE lake_aggregates (
  window_start TIMESTAMP(6),
  window_end TIMESTAMP(6),
  event_type STRING,
  event_subtype STRING,
  event_count BIGINT
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
  'catalog-table' = 'aggregates'
);
