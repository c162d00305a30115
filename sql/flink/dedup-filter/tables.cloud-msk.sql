-- dedup-filter in Managed Service for Apache Flink with an Amazon MSK topic as a second source
-- (stack config sluice:sources.kafka): Kinesis "events" and the MSK topic in, Kinesis "processed"
-- and the Iceberg table events out. The job's query logic reads the view events, the records of
-- both sources, so one dedup sees them all: a copy on the topic of an event on the stream is
-- dropped like any other copy.
-- The processed and lake_events declarations are those of tables.cloud.sql (CloudTablesTest
-- checks that they stay the same).

CREATE TEMPORARY TABLE kinesis_events (
  record_text STRING
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = ${events_stream_arn},
  'aws.region' = ${region},
  'source.init.position' = ${start_position},
  'format' = 'raw'
);

-- IAM access control (aws-msk-iam-auth): the application's role signs the connection, so there is
-- no secret here. The callback handler implements Kafka's unrelocated client interfaces, which is
-- why the deployable jar carries the non-shaded flink-connector-kafka (Maven profile msk).
-- Offsets are committed to the consumer group on checkpoints, for the MSK lag metrics; on restore
-- the job resumes from the offsets in its snapshot, not from the group's.
CREATE TEMPORARY TABLE msk_events (
  record_text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = ${msk_topic},
  'properties.bootstrap.servers' = ${msk_bootstrap_servers},
  'properties.group.id' = ${msk_consumer_group},
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'AWS_MSK_IAM',
  'properties.sasl.jaas.config' = 'software.amazon.msk.auth.iam.IAMLoginModule required;',
  'properties.sasl.client.callback.handler.class' = 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
  -- Producers that write in transactions are read as committed only.
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = ${msk_startup_mode},
  'format' = 'raw'
);

CREATE TEMPORARY VIEW events AS
SELECT record_text FROM kinesis_events
UNION ALL
SELECT record_text FROM msk_events;

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
