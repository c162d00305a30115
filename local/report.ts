/** What `sluice local` reports (also written to `<out>/report.json`). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratorStats } from './generator';
import type { QueryOutcome } from './lake-queries';
import type { StageFigures, StageName } from './stage-clock';

export interface LocalReport {
  input: { kind: 'generated' | 'file'; path?: string; seed?: number };
  stack: string;
  source: string;
  ingested_at: string;
  read: number;
  valid: number;
  invalid: number;
  invalid_by_reason: Record<string, number>;
  duplicates_removed: number;
  filtered: number;
  filtered_by_rule: { excluded_event_type: number; excluded_event_name: number; future_skew: number };
  processed: number;
  late: number;
  aggregate_rows: number;
  parquet_files: number;
  parquet_bytes: number;
  stages: Partial<Record<StageName, StageFigures>>;
  total_seconds: number;
  queries: Record<string, QueryOutcome>;
  /** Where the run's lake and error zone are, once the run has finished. */
  lake: string;
  /** The error-zone file of this run, or null when every event was valid. */
  error_zone: string | null;
  /** What the generator says it produced, for generated input. */
  generated?: GeneratorStats;
}

/** The Parquet files under `root` and their total size. */
export function parquetFiles(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.parquet')) {
        files++;
        bytes += statSync(child).size;
      }
    }
  };
  if (existsSync(root)) walk(root);
  return { files, bytes };
}
