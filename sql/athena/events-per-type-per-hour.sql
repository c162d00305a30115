-- name: events-per-type-per-hour
-- description: Curated events per event type and hour of event time (UTC), for a range of created dates.
-- param: from_date date  First event date (UTC) to count (YYYY-MM-DD)
-- param: to_date date  Last event date (UTC) to count (YYYY-MM-DD)
SELECT
  event_type,
  date_trunc('hour', created_datetime) AS event_hour,
  count(*) AS event_count
FROM events
WHERE CAST(created_datetime AS date) BETWEEN CAST(:from_date AS date) AND CAST(:to_date AS date)
GROUP BY event_type, date_trunc('hour', created_datetime)
ORDER BY event_hour, event_type
