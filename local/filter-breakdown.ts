/**
 * How many events each of dedup-filter's rules removes, counted by DuckDB with the SQL beside the
 * job (sql/flink/dedup-filter/filter-breakdown.duckdb.sql) from the same parameter values.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobSqlParameters } from '../core/jobs';
import { projectRoot } from '../core/project';
import type { ProcessingConfig } from '../stacks/types';

export interface FilterBreakdown {
  /** Distinct events: the first arrival of each `(event_uuid, created_at)`. */
  distinct: number;
  byRule: { excluded_event_type: number; excluded_event_name: number; future_skew: number };
}

export const FILTER_BREAKDOWN_SQL = join(projectRoot(), 'sql', 'flink', 'dedup-filter', 'filter-breakdown.duckdb.sql');

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** A comma-separated parameter as an SQL list, empty as `''` (matches nothing), as the runner renders it. */
const list = (value: string) => {
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return items.length === 0 ? "''" : items.map(literal).join(', ');
};

/** The breakdown query for one input file and the stack's processing config. */
export function filterBreakdownSql(eventsPath: string, config: { readonly processing: ProcessingConfig }): string {
  const p = jobSqlParameters('dedup-filter', config);
  const values: Record<string, string> = {
    events_path: literal(eventsPath),
    exclude_event_types: list(p.exclude_event_types),
    exclude_event_names: list(p.exclude_event_names),
    max_future_skew_seconds: String(Number(p.max_future_skew_seconds)),
  };
  return readFileSync(FILTER_BREAKDOWN_SQL, 'utf8').replace(/\$\{([a-z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${FILTER_BREAKDOWN_SQL} uses \${${name}}, which has no value; use one of ${Object.keys(values).join(', ')}`);
    return value;
  });
}

export async function filterBreakdown(eventsPath: string, config: { readonly processing: ProcessingConfig }): Promise<FilterBreakdown> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(filterBreakdownSql(eventsPath, config));
    const [distinct, type, name, skew] = reader.getRows()[0].map((v) => Number(v));
    return { distinct, byRule: { excluded_event_type: type, excluded_event_name: name, future_skew: skew } };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
