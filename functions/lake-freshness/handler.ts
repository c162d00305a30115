import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';

/**
 * The time of a table's last commit as the Glue catalog records it. An Iceberg commit through
 * the Glue catalog swaps the table's `metadata_location` with UpdateTable, so the table's
 * `UpdateTime` is the time of its latest commit (compaction by the table optimizer commits too).
 */
export interface TableCommit {
  readonly table: string;
  /** Epoch ms of the last commit; absent when the table is missing or has never been updated. */
  readonly committedAtMs?: number;
  readonly metadataLocation?: string;
  /** Why there is no commit time, when there is none. */
  readonly problem?: string;
}

export type GlueSender = Pick<GlueClient, 'send'>;

export async function lastCommit(glue: GlueSender, database: string, table: string): Promise<TableCommit> {
  try {
    const out = await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    const t = out.Table;
    const when = t?.UpdateTime ?? t?.CreateTime;
    const metadataLocation = t?.Parameters?.metadata_location;
    return {
      table,
      ...(when ? { committedAtMs: when.getTime() } : { problem: 'the catalog records no update time' }),
      ...(metadataLocation ? { metadataLocation } : {}),
    };
  } catch (err) {
    const e = err as Error;
    if (e.name === 'EntityNotFoundException') return { table, problem: `table ${database}.${table} does not exist in the Glue catalog` };
    throw err;
  }
}

/** Seconds since the commit, never negative (clocks of Glue and the caller differ slightly). */
export function commitAgeSeconds(commit: TableCommit, nowMs: number): number | undefined {
  if (commit.committedAtMs === undefined) return undefined;
  return Math.max(0, Math.round((nowMs - commit.committedAtMs) / 1000));
}

export interface FreshnessDeps {
  glue: GlueSender;
  database: string;
  tables: readonly string[];
  now: () => number;
  /** Publishes one table's commit age (EMF in the function). */
  publish: (table: string, ageSeconds: number) => void;
  warn: (message: string, details: Record<string, unknown>) => void;
}

/**
 * Publishes the commit age of each table. A table without a commit time publishes nothing, so
 * its freshness alarm (missing data breaching) fires and names the table.
 */
export async function publishFreshness(deps: FreshnessDeps): Promise<TableCommit[]> {
  const commits = await Promise.all(deps.tables.map((t) => lastCommit(deps.glue, deps.database, t)));
  const now = deps.now();
  for (const c of commits) {
    const age = commitAgeSeconds(c, now);
    if (age === undefined) deps.warn('no commit time for a lake table', { table: c.table, problem: c.problem });
    else deps.publish(c.table, age);
  }
  return commits;
}
