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
