-- name: events-per-type-per-hour
-- description: Curated events per event type and hour of event time (UTC), for a range of created dates.
-- param: from_date date  First created_date to count (YYYY-MM-DD)
-- param: to_date date  Last created_date to count (YYYY-MM-DD)
SELECT
  event_type,
  date_trunc('hour', created_datetime) AS event_hour,
  count(*) AS event_count
FROM events
WHERE created_date BETWEEN :from_date AND :to_date
GROUP BY event_type, date_trunc('hour', created_datetime)
ORDER BY event_hour, event_type
