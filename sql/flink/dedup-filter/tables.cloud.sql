-- dedup-filter in Managed Service for Apache Flink: Kinesis "events" in, Kinesis "processed" out.
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
