-- dedup-filter on one machine, unbounded: a directory followed for new JSON-lines files in, the
-- processed directory (files committed on checkpoint) and the local lake's Iceberg table events out.

CREATE TEMPORARY TABLE events (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${input_path},
  -- Lists the directory for new files this often; a file must appear whole (written under a
  -- name starting with . and renamed), since the source reads a file once.
  'source.monitor-interval' = '200 ms',
  'format' = 'raw'
);

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'filesystem',
  'path' = ${processed_output},
  -- The raw format's bytes and a newline, written through a buffer (LinesFormatFactory).
  'format' = 'sluice-lines',
  -- Parts roll on each checkpoint; no size limit splits one.
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
