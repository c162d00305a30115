-- dedup-filter: events -> processed.
-- Keeps the first arrival of each (event_uuid, created_at) seen within the state TTL, then drops
-- excluded event types and names and events created too far after they were ingested.
-- Output is append-only and each record is written back byte-for-byte as it was read.

SET 'table.local-time-zone' = 'UTC';
-- The only state of this job is the dedup key set; the TTL bounds it.
SET 'table.exec.state.ttl' = ${dedup_ttl_seconds};

CREATE TEMPORARY TABLE events_arriving (
  arrival_time AS PROCTIME()
) LIKE events;

CREATE TEMPORARY VIEW events_parsed AS
SELECT
  record_text,
  arrival_time,
  JSON_VALUE(record_text, '$.event_uuid') AS event_uuid,
  -- Numeric, so 1700000000 and 1700000000.0 are the same created_at.
  CAST(JSON_VALUE(record_text, '$.created_at') AS DECIMAL(38, 6)) AS created_at,
  JSON_VALUE(record_text, '$.event_name') AS event_name,
  JSON_VALUE(record_text, '$.event_type') AS event_type,
  JSON_VALUE(record_text, '$.ingested_at') AS ingested_at
FROM events_arriving;

CREATE TEMPORARY VIEW events_first_seen AS
SELECT record_text, created_at, event_name, event_type, ingested_at
FROM (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY event_uuid, created_at ORDER BY arrival_time ASC) AS arrival_rank
  FROM events_parsed
)
WHERE arrival_rank = 1;

INSERT INTO processed
SELECT record_text
FROM events_first_seen
WHERE event_type NOT IN (${exclude_event_types})
  AND event_name NOT IN (${exclude_event_names})
  -- Only a proven skew drops an event: an unparseable ingested_at keeps it.
  AND (
    TO_TIMESTAMP_LTZ(CAST(FLOOR(created_at * 1000) AS BIGINT), 3)
      > CAST(TO_TIMESTAMP(ingested_at, 'yyyy-MM-dd''T''HH:mm:ss[.SSS]X') AS TIMESTAMP_LTZ(3)) + ${max_future_skew_seconds}
  ) IS NOT TRUE;
