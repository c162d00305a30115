-- name: events-per-type-per-hour
-- description: Curated events per event type and hour of event time (UTC), for a range of event dates.
-- param: from_date date  First event date (UTC) to count (YYYY-MM-DD)
-- param: to_date date  Last event date (UTC) to count (YYYY-MM-DD)
SELECT
  event_type,
  date_trunc('hour', created_datetime) AS event_hour,
  count(*) AS event_count
FROM events
WHERE created_datetime >= CAST(CAST(:from_date AS date) AS timestamp)
  AND created_datetime < CAST(CAST(:to_date AS date) + INTERVAL '1' DAY AS timestamp)
GROUP BY event_type, date_trunc('hour', created_datetime)
ORDER BY event_hour, event_type
