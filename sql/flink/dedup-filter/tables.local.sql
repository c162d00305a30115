-- dedup-filter on one machine: a JSON-lines file in, a directory of JSON-lines files and the local
-- lake's Iceberg table events out.

CREATE TEMPORARY TABLE events (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${input_path},
  -- The raw format's rows, read a buffer at a time (LinesReaderFormat); until the marker file
  -- exists, the input is still being appended to and the reader waits at its end for more lines.
  'format' = 'sluice-lines',
  'sluice-lines.complete-marker' = ${input_complete_marker}
);

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${processed_output},
  -- The raw format's bytes and a newline, written through a buffer (LinesFormatFactory).
  'format' = 'sluice-lines',
  -- One part file for any local run: the runner moves a single part into place instead of
  -- copying parts into one file.
  'sink.rolling-policy.file-size' = '64 gb'
);

-- The Iceberg table events in a filesystem (Hadoop) catalog on the local disk: the namespace
-- curated of the lake directory, so its files lie under <lake>/curated/events/ as in the bucket.
-- The runner creates it with the same partition spec as the cloud table when it is missing.
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
  'catalog-name' = 'local_lake',
  'catalog-type' = 'hadoop',
  'warehouse' = ${lake_path},
  'catalog-database' = 'curated',
  'catalog-table' = 'events'
);
