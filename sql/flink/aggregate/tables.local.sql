-- aggregate on one machine: a JSON-lines file in, directories of JSON-lines files out.

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${input_path},
  'format' = 'raw'
);

CREATE TEMPORARY TABLE aggregates (
  window_start STRING,
  window_end STRING,
  event_type STRING,
  event_subtype STRING,
  event_count BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = ${aggregates_output},
  'format' = 'json',
  'sink.rolling-policy.file-size' = '1 gb'
);

CREATE TEMPORARY TABLE late_events (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${late_events_output},
  'format' = 'raw',
  'sink.rolling-policy.file-size' = '1 gb'
);
