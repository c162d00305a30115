-- name: aggregates-per-minute
-- description: Event counts per minute of event time (UTC), event type and subtype, from the aggregates table,
-- description: for windows starting in [from_time, to_time).
-- param: from_time timestamp  First window start to include (UTC), e.g. 2026-03-17T10:00:00Z
-- param: to_time timestamp  Window starts before this time are included (UTC)
SELECT
  date_trunc('minute', window_start) AS event_minute,
  event_type,
  event_subtype,
  CAST(sum(event_count) AS bigint) AS event_count
FROM aggregates
WHERE window_start >= :from_time
  AND window_start < :to_time
GROUP BY date_trunc('minute', window_start), event_type, event_subtype
ORDER BY event_minute, event_type, event_subtype
