-- dedup-filter's rules counted again with DuckDB, for the local mode's report: how many distinct
-- events (first arrival of each (event_uuid, created_at)) each rule of job.sql removes, counted
-- over the job's input independently of Flink. The report's `filtered` (distinct minus what Flink
-- kept) must equal the sum of the three counts; keep the rules here in step with job.sql.
-- events_path is the job's input file; the other parameters are the job's own.
WITH events AS (
  SELECT * FROM read_json(${events_path}, format = 'newline_delimited',
    columns = {event_uuid: 'VARCHAR', created_at: 'DECIMAL(38, 6)', event_type: 'VARCHAR', event_name: 'VARCHAR', ingested_at: 'TIMESTAMPTZ'})
),
first_seen AS (SELECT DISTINCT ON (event_uuid, created_at) * FROM events),
ruled AS (
  SELECT CASE
    WHEN event_type IN (${exclude_event_types}) THEN 'type'
    WHEN event_name IN (${exclude_event_names}) THEN 'name'
    WHEN to_timestamp(CAST(floor(created_at * 1000) AS BIGINT) / 1000.0) > ingested_at + to_seconds(${max_future_skew_seconds}) THEN 'skew'
  END AS rule
  FROM first_seen
)
SELECT count(*), count(*) FILTER (rule = 'type'), count(*) FILTER (rule = 'name'), count(*) FILTER (rule = 'skew') FROM ruled
