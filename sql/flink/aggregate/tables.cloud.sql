-- aggregate in Managed Service for Apache Flink: Kinesis "processed" in, Kinesis "aggregates" out.

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
