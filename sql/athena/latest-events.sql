-- name: latest-events
-- description: The latest curated events of one event type, newest event time first.
-- param: event_type event_type  Event type to list (first part of event_name), e.g. payment
-- param: since_date date  Earliest event date (UTC) to look in (YYYY-MM-DD); bounds the scan
-- param: limit integer = 100  How many events to return
SELECT
  event_uuid,
  event_name,
  event_subtype,
  created_datetime,
  ingested_at,
  source,
  payload
FROM events
WHERE event_type = :event_type
  AND created_datetime >= CAST(CAST(:since_date AS date) AS timestamp)
ORDER BY created_at DESC, event_uuid
LIMIT :limit
