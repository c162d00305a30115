-- dedup-filter: events -> processed and the lake table events.
-- Keeps the first arrival of each (event_uuid, created_at) seen within the state TTL, then drops
-- excluded event types and names and events created too far after they were ingested.
-- Output is append-only and each record is written back byte-for-byte as it was read.

SET 'table.local-time-zone' = 'UTC';
-- The only state of this job is the dedup key set; the TTL bounds it.
SET 'table.exec.state.ttl' = ${dedup_ttl_seconds};
-- Both sinks read events_kept, and each view is expanded into every query that names it: without
-- this the planner builds the whole pipeline once per sink (two dedup operators with their own
-- state, lake_event() three times per record). With it, copies with the same digest are planned
-- once and shared.
SET 'table.optimizer.reuse-optimize-block-with-digest-enabled' = 'true';

-- lake_event(record_text) reads the record once: its value e holds the record's bytes and where each
-- envelope field, the lake's timestamps and the payload (every other member, as its original text)
-- lie in them. lake_text(e, 'field') gives a field as JSON_VALUE(record_text, '$.field') would,
-- lake_time(e, 'field') created_datetime or ingested_at as a UTC timestamp, lake_payload(e) the
-- payload's text and lake_record(e) the record as it came. e is BYTES because Flink's generated
-- calculations deep-copy every STRING and ROW column they read or pass on and pass BYTES on as they
-- are: with the record's STRING and a ROW of its fields, each of the calculations between the source
-- and the sinks copied them again.
CREATE TEMPORARY FUNCTION lake_event AS 'dev.sluice.flink.LakeEventFunction' LANGUAGE JAVA;
CREATE TEMPORARY FUNCTION lake_text AS 'dev.sluice.flink.LakeTextFunction' LANGUAGE JAVA;
CREATE TEMPORARY FUNCTION lake_time AS 'dev.sluice.flink.LakeTimeFunction' LANGUAGE JAVA;
CREATE TEMPORARY FUNCTION lake_payload AS 'dev.sluice.flink.LakePayloadFunction' LANGUAGE JAVA;
CREATE TEMPORARY FUNCTION lake_record AS 'dev.sluice.flink.LakeRecordFunction' LANGUAGE JAVA;

-- A view, not a table LIKE events: in the cloud with an MSK source, events is itself a view (the
-- union of both sources, tables.cloud-msk.sql).
CREATE TEMPORARY VIEW events_arriving AS
SELECT record_text, PROCTIME() AS arrival_time
FROM events;

CREATE TEMPORARY VIEW events_parsed AS
SELECT
  arrival_time,
  lake_text(e, 'event_uuid') AS event_uuid,
  -- Numeric, so 1700000000 and 1700000000.0 are the same created_at. Its type is part of the dedup
  -- state's key: changing it makes a snapshot of the running application unrestorable.
  TRY_CAST(lake_text(e, 'created_at') AS DECIMAL(38, 6)) AS created_at,
  e
FROM (SELECT arrival_time, lake_event(record_text) AS e FROM events_arriving);

-- A record whose key cannot be read (its event_uuid or created_at reads NULL: beyond the JSON
-- parser's limits, not an object) is never a copy of another: it gets a key of its own, a random
-- UUID, so it passes the dedup as a first arrival; lake_event() counts an unreadable record in the
-- unreadableRecords metric. One ROW_NUMBER
-- over every record, rather than a UNION ALL with a bypass branch, keeps lake_event() to one call
-- per record.
CREATE TEMPORARY VIEW events_first_seen AS
SELECT created_at, e
FROM (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY dedup_uuid, dedup_created_at ORDER BY arrival_time ASC) AS arrival_rank
  FROM (
    SELECT *,
      CASE WHEN event_uuid IS NULL OR created_at IS NULL THEN UUID() ELSE event_uuid END AS dedup_uuid,
      CASE WHEN event_uuid IS NULL OR created_at IS NULL THEN NULL ELSE created_at END AS dedup_created_at
    FROM events_parsed
  )
)
WHERE arrival_rank = 1;

CREATE TEMPORARY VIEW events_kept AS
SELECT e
FROM events_first_seen
-- Only a proven match drops an event: a missing type or name, or an unreadable created_at or
-- ingested_at, keeps it.
WHERE (lake_text(e, 'event_type') IN (${exclude_event_types})) IS NOT TRUE
  AND (lake_text(e, 'event_name') IN (${exclude_event_names})) IS NOT TRUE
  -- ingested_at as lake_event() reads it for the lake (ISO 8601 UTC, as the validator stamps it):
  -- parsed once per record, in lake_event(), and shared with the lake column.
  AND (
    TO_TIMESTAMP_LTZ(TRY_CAST(FLOOR(created_at * 1000) AS BIGINT), 3)
      > CAST(lake_time(e, 'ingested_at') AS TIMESTAMP_LTZ(3)) + ${max_future_skew_seconds}
  ) IS NOT TRUE;

INSERT INTO processed
SELECT lake_record(e) AS record_text
FROM events_kept;

-- The same events, once each: the Iceberg sink commits with the checkpoint, so a restart from it
-- neither loses nor repeats a row.
INSERT INTO lake_events
SELECT
  lake_text(e, 'event_uuid') AS event_uuid,
  lake_text(e, 'event_name') AS event_name,
  lake_text(e, 'event_type') AS event_type,
  lake_text(e, 'event_subtype') AS event_subtype,
  TRY_CAST(lake_text(e, 'created_at') AS DOUBLE) AS created_at,
  CAST(lake_time(e, 'created_datetime') AS TIMESTAMP(6)) AS created_datetime,
  CAST(lake_time(e, 'ingested_at') AS TIMESTAMP(6)) AS ingested_at,
  lake_text(e, 'source') AS source,
  lake_payload(e) AS payload
FROM events_kept;
