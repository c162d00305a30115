-- name: data-freshness
-- description: How current the lake is, per table and event type: the latest arrival of a curated event
-- description: (ingested_at) and the end of the latest aggregate window, with the seconds elapsed since (UTC).
-- param: since_date date  Earliest event date (UTC) to look in (YYYY-MM-DD); bounds the scan
SELECT dataset, event_type, latest, date_diff('second', latest, CAST(current_timestamp AS timestamp)) AS seconds_since
FROM (
  SELECT 'events' AS dataset, event_type, max(ingested_at) AS latest
  FROM events
  WHERE created_datetime >= CAST(CAST(:since_date AS date) AS timestamp)
  GROUP BY event_type
  UNION ALL
  SELECT 'aggregates' AS dataset, event_type, max(window_end) AS latest
  FROM aggregates
  WHERE window_start >= CAST(CAST(:since_date AS date) AS timestamp)
  GROUP BY event_type
) AS latest_per_table
ORDER BY dataset, event_type
