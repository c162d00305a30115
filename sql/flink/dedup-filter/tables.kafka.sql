-- dedup-filter streaming on one machine: Kafka "events" in, Kafka "processed" out, unbounded,
-- exactly once: the sink writes in Kafka transactions committed with each checkpoint, and the
-- source reads only committed records, so a restart from a checkpoint neither loses nor repeats one.

CREATE TEMPORARY TABLE events (
  record_text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = ${events_topic},
  'properties.bootstrap.servers' = ${kafka_bootstrap_servers},
  'properties.group.id' = 'sluice-dedup-filter',
  'properties.isolation.level' = 'read_committed',
  -- Without state the job reads the topic from its start; with state, from the checkpoint's offsets.
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'raw'
);

CREATE TEMPORARY TABLE processed (
  record_text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = ${processed_topic},
  'properties.bootstrap.servers' = ${kafka_bootstrap_servers},
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'sluice-dedup-filter-processed',
  -- Within the broker's transaction.max.timeout.ms; longer than any checkpoint takes here.
  'properties.transaction.timeout.ms' = '900000',
  'format' = 'raw'
);

-- The local lake's Iceberg table, as in tables.local.sql: committed with each checkpoint, so a
-- restart from a checkpoint neither loses nor repeats a row.
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
