-- dedup-filter on one machine: a JSON-lines file in, a directory of JSON-lines files out.

CREATE TEMPORARY TABLE events (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${input_path},
  'format' = 'raw'
);

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${processed_output},
  'format' = 'raw',
  'sink.rolling-policy.file-size' = '1 gb'
);
