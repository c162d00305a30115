-- name: source-quality
-- description: Per source, for a range of arrival dates: events accepted onto the events stream, copies of an
-- description: event already seen (same event_uuid and created_at, removed later by dedup), inputs rejected to the
-- description: error zone, and the duplicate and error rates. Reads the raw and error zones, which the analyst
-- description: policy does not grant: run it with the platform team's access.
-- param: from_date date  First arrival date (raw dt / error dt) to count (YYYY-MM-DD)
-- param: to_date date  Last arrival date to count (YYYY-MM-DD)
WITH copies AS (
  SELECT source, event_uuid, created_at, count(*) AS copy_count
  FROM raw_events
  WHERE dt BETWEEN :from_date AND :to_date
  GROUP BY source, event_uuid, created_at
),
accepted AS (
  SELECT source, CAST(sum(copy_count) AS bigint) AS accepted, CAST(sum(copy_count - 1) AS bigint) AS duplicates
  FROM copies
  GROUP BY source
),
rejected AS (
  SELECT source, count(*) AS rejected
  FROM errors
  WHERE dt BETWEEN :from_date AND :to_date
  GROUP BY source
)
SELECT
  coalesce(a.source, r.source) AS source,
  coalesce(a.accepted, 0) AS accepted,
  coalesce(a.duplicates, 0) AS duplicates,
  coalesce(r.rejected, 0) AS rejected,
  round(CAST(coalesce(a.duplicates, 0) AS double) / nullif(coalesce(a.accepted, 0), 0), 4) AS duplicate_rate,
  round(CAST(coalesce(r.rejected, 0) AS double) / nullif(coalesce(a.accepted, 0) + coalesce(r.rejected, 0), 0), 4) AS error_rate
FROM accepted a
FULL OUTER JOIN rejected r ON a.source = r.source
ORDER BY coalesce(a.source, r.source)
