-- aggregate streaming on one machine: Kafka "processed" in, Kafka "aggregates" out, unbounded,
-- exactly once (transactional sink committed with each checkpoint, read_committed source).

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = ${processed_topic},
  'properties.bootstrap.servers' = ${kafka_bootstrap_servers},
  'properties.group.id' = 'sluice-aggregate',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'earliest-offset',
  -- The watermark (declared in job.sql) advances with each record rather than on a timer, so
  -- whether an event is late depends only on the events before it, as in the file-based runs;
  -- records arrive in checkpoint-sized transactions, which a timer would see all at once.
  'scan.watermark.emit.strategy' = 'on-event',
  'format' = 'raw'
);

CREATE TEMPORARY TABLE aggregates (
  window_start STRING,
  window_end STRING,
  event_type STRING,
  event_subtype STRING,
  event_count BIGINT
) WITH (
  'connector' = 'kafka',
  'topic' = ${aggregates_topic},
  'properties.bootstrap.servers' = ${kafka_bootstrap_servers},
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'sluice-aggregate-aggregates',
  'properties.transaction.timeout.ms' = '900000',
  'format' = 'json'
);

-- As in the cloud, late events are already in the processed topic: the sink discards them and the
-- window operator's numLateRecordsDropped metric counts them.
CREATE TEMPORARY TABLE late_events (
  record_text STRING
) WITH (
  'connector' = 'blackhole'
);

-- The local lake's Iceberg table, as in tables.local.sql: committed with each checkpoint, so a
-- restart from a checkpoint neither loses nor repeats a row.
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
