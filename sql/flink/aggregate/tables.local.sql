-- aggregate on one machine: a JSON-lines file in, directories of JSON-lines files and the local
-- lake's Iceberg table aggregates out.

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${input_path},
  -- The raw format's rows, read a buffer at a time (LinesReaderFormat); until the marker file
  -- exists, the input is still being appended to and the reader waits at its end for more lines.
  'format' = 'sluice-lines',
  'sluice-lines.complete-marker' = ${input_complete_marker}
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
  'sink.rolling-policy.file-size' = '64 gb'
);

CREATE TEMPORARY TABLE late_events (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${late_events_output},
  -- The raw format's bytes and a newline, written through a buffer (LinesFormatFactory).
  'format' = 'sluice-lines',
  -- One part file for any local run: the runner moves a single part into place instead of
  -- copying parts into one file.
  'sink.rolling-policy.file-size' = '64 gb'
);

-- The Iceberg table aggregates in a filesystem (Hadoop) catalog on the local disk: the namespace
-- curated of the lake directory, so its files lie under <lake>/curated/aggregates/ as in the bucket.
-- The runner creates it with the same partition spec as the cloud table when it is missing.
CREATE TEMPORARY TABLE lake_aggregates (
  window_start TIMESTAMP(6),
  window_end TIMESTAMP(6),
  event_type STRING,
  event_subtype STRING,
  event_count BIGINT
) WITH (
  'connector' = 'iceberg',
  'catalog-name' = 'local_lake',
  'catalog-type' = 'hadoop',
  'warehouse' = ${lake_path},
  'catalog-database' = 'curated',
  'catalog-table' = 'aggregates'
);
