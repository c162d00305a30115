/** The analysts' named queries run over a local lake, with parameter values taken from what it holds. */
import { loadNamedQueries, renderQuery, type NamedQuery } from '../core/named-queries';
import { UserError } from '../core/user-error';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openLocalLake, queryLake } from './lake';
import type { LakeFiles } from './lake-files';

export interface QueryOutcome {
  params: Record<string, string>;
  columns: string[];
  rows: (string | null)[][];
  /** Why the query did not run: the lake holds nothing it could read. */
  skipped?: string;
}

/**
 * Values for the named queries' parameters, taken from what the lake holds: every date parameter
 * spans the lake's dates (event dates and arrival dates), times span the aggregate windows, and an
 * event type is the most frequent one. A parameter with a default keeps it.
 */
async function localParameters(lake: DuckDBConnection): Promise<Record<string, string>> {
  const { rows } = await queryLake(
    lake,
    `SELECT
       least(min(CAST(CAST(created_datetime AS date) AS varchar)), min(CAST(CAST(ingested_at AS date) AS varchar))),
       greatest(max(CAST(CAST(created_datetime AS date) AS varchar)), max(CAST(CAST(ingested_at AS date) AS varchar))),
       (SELECT strftime(min(window_start), '%Y-%m-%dT%H:%M:%SZ') FROM aggregates),
       (SELECT strftime(max(window_end), '%Y-%m-%dT%H:%M:%SZ') FROM aggregates),
       (SELECT event_type FROM events GROUP BY event_type ORDER BY count(*) DESC, event_type LIMIT 1)
     FROM events`,
  );
  const [fromDate, toDate, fromTime, toTime, eventType] = rows[0];
  const values: Record<string, string | null> = {
    from_date: fromDate,
    to_date: toDate,
    since_date: fromDate,
    from_time: fromTime,
    to_time: toTime,
    event_type: eventType,
  };
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null));
}

/**
 * Runs every named query on the lake in `lake` and returns each one's parameters and result. They
 * share one DuckDB connection: opening the lake lists the Iceberg tables' live files, which starts
 * a JVM, and doing that once per query cost more than the queries. A caller that knows the live
 * files (a local run has them from the Flink runner's summary) passes them and starts no JVM.
 */
export async function runNamedQueries(lake: string, files?: LakeFiles): Promise<Record<string, QueryOutcome>> {
  const connection = await openLocalLake(lake, files);
  try {
    const values = await localParameters(connection);
    const outcomes: Record<string, QueryOutcome> = {};
    for (const query of loadNamedQueries()) {
      // An empty lake (every input event invalid) has no dates to fill a query's parameters with.
      const unfilled = values.from_date === undefined ? query.params.find((p) => p.default === undefined && values[p.name] === undefined) : undefined;
      if (unfilled !== undefined) {
        outcomes[query.name] = { params: {}, columns: [], rows: [], skipped: `the lake holds no events, so there is no value for its parameter ${unfilled.name}` };
        continue;
      }
      const params = paramsFor(query, values);
      const result = await queryLake(connection, renderQuery(query, params));
      outcomes[query.name] = { params, ...result };
    }
    return outcomes;
  } finally {
    connection.closeSync();
  }
}

function paramsFor(query: NamedQuery, values: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const param of query.params) {
    if (param.default !== undefined) continue;
    const value = values[param.name];
    if (value === undefined) {
      throw new UserError(`named query ${query.name} (${query.file}) has parameter ${param.name}, which the local mode cannot fill from the lake; give it a default in the query's header`);
    }
    params[param.name] = value;
  }
  return params;
}
