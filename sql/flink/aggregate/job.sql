-- aggregate: processed -> aggregates and the lake table aggregates (+ late_events).
-- Counts events per event-time tumbling window of created_at and (event_type, event_subtype).
-- The watermark trails the latest created_at by the allowed lateness; an event whose window
-- has already fired when it arrives is left out of the counts and written to late_events.

SET 'table.local-time-zone' = 'UTC';

-- envelope(record_text) returns the envelope fields as JSON_VALUE(record_text, '$.<field>') would,
-- from one pass over the record instead of one parse per field.
CREATE TEMPORARY FUNCTION envelope AS 'dev.sluice.flink.EnvelopeFunction' LANGUAGE JAVA;

CREATE TEMPORARY TABLE processed_timed (
  -- created_at is Unix seconds (integer or decimal); event time keeps whole milliseconds. A record
  -- without a readable created_at (never one the validator let through) gets 1970-01-01T00:00:00Z,
  -- so it lands in late_events instead of stopping the job with a NULL event time.
  created_ts AS COALESCE(
    TO_TIMESTAMP_LTZ(TRY_CAST(FLOOR(TRY_CAST(envelope(record_text).created_at AS DECIMAL(38, 6)) * 1000) AS BIGINT), 3),
    TO_TIMESTAMP_LTZ(0, 3)),
  WATERMARK FOR created_ts AS created_ts - ${allowed_lateness_seconds}
) LIKE processed;

CREATE TEMPORARY VIEW processed_keys AS
SELECT created_ts, e.event_type, e.event_subtype
FROM (SELECT created_ts, envelope(record_text) AS e FROM processed_timed);

CREATE TEMPORARY VIEW windows AS
SELECT window_start, window_end, event_type, event_subtype, COUNT(*) AS event_count
FROM TABLE(TUMBLE(TABLE processed_keys, DESCRIPTOR(created_ts), ${window_seconds}))
GROUP BY window_start, window_end, event_type, event_subtype;

INSERT INTO aggregates
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS window_start,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS window_end,
  event_type,
  event_subtype,
  event_count
FROM windows;

-- Each window once: it fires once, and the Iceberg sink commits with the checkpoint, so a
-- restart from it neither loses nor repeats a window.
INSERT INTO lake_aggregates
SELECT
  CAST(window_start AS TIMESTAMP(6)),
  CAST(window_end AS TIMESTAMP(6)),
  event_type,
  event_subtype,
  event_count
FROM windows;

-- The window operator drops an event when its window has already fired, that is when the
-- watermark has reached window_time (window_end - 1 ms). This is the same test, made on the
-- watermark that preceded the event, so late_events holds exactly the events left out above.
INSERT INTO late_events
SELECT record_text
FROM TABLE(TUMBLE(TABLE processed_timed, DESCRIPTOR(created_ts), ${window_seconds}))
WHERE window_time <= CURRENT_WATERMARK(window_time);
