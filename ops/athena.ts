/**
 * Runs one query in an Athena workgroup: start it, poll its state with exponential backoff, and
 * page through its results. Every value comes back as text (or null), as Athena returns it.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandOutput,
  type StartQueryExecutionCommandOutput,
} from '@aws-sdk/client-athena';
import { UserError } from '../core/user-error';

export interface QueryResult {
  readonly columns: string[];
  readonly rows: (string | null)[][];
  /** What Athena reports the query cost: bytes scanned (billed) and engine time. */
  readonly statistics?: { readonly dataScannedBytes: number; readonly engineMillis: number };
}

export interface AthenaQuery {
  /** The named query's name, for messages. */
  readonly name: string;
  readonly sql: string;
  readonly workgroup: string;
  readonly database: string;
}

export interface PollOptions {
  /** First wait between state checks, in ms (default 200). */
  readonly initialDelayMs?: number;
  /** Longest wait between state checks, in ms (default 5000). */
  readonly maxDelayMs?: number;
  /** Give up (and say so) after this long, in ms (default 30 minutes, Athena's own DML limit). */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The part of the Athena client this module uses, so tests can pass recorded responses. */
export type AthenaSender = Pick<AthenaClient, 'send'>;

/** A query Athena refused, failed or did not finish; the message names the query and its execution. */
export class AthenaQueryError extends UserError {}

const PAGE_SIZE = 1000;

/** The waits between state checks: doubling from `initial` up to `max`. */
export function backoffDelays(initial: number, max: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.min(max, initial * 2 ** i));
}

export async function runAthenaQuery(client: AthenaSender, query: AthenaQuery, poll: PollOptions = {}): Promise<QueryResult> {
  const sleep = poll.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const initial = poll.initialDelayMs ?? 200;
  const max = poll.maxDelayMs ?? 5000;
  const timeout = poll.timeoutMs ?? 30 * 60 * 1000;

  const started = (await client.send(
    new StartQueryExecutionCommand({
      QueryString: query.sql,
      WorkGroup: query.workgroup,
      QueryExecutionContext: { Database: query.database, Catalog: 'AwsDataCatalog' },
    }),
  )) as StartQueryExecutionCommandOutput;
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError(`named query "${query.name}": Athena returned no query execution id`);

  let waited = 0;
  let statistics: QueryResult['statistics'];
  for (let attempt = 0; ; attempt++) {
    const execution = ((await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))) as GetQueryExecutionCommandOutput).QueryExecution;
    const state = execution?.Status?.State;
    if (state === 'SUCCEEDED') {
      const stats = execution?.Statistics;
      if (stats?.DataScannedInBytes !== undefined) statistics = { dataScannedBytes: stats.DataScannedInBytes, engineMillis: stats.EngineExecutionTimeInMillis ?? 0 };
      break;
    }
    if (state === 'FAILED' || state === 'CANCELLED') {
      const error = execution?.Status?.AthenaError;
      const kind = error?.ErrorType !== undefined ? ` (error type ${error.ErrorType}, category ${error.ErrorCategory})` : '';
      const reason = execution?.Status?.StateChangeReason ?? error?.ErrorMessage ?? 'no reason given';
      throw new AthenaQueryError(`named query "${query.name}" ${state === 'FAILED' ? 'failed' : 'was cancelled'} in workgroup ${query.workgroup}${kind}: ${reason} [query execution ${id}]`);
    }
    if (waited >= timeout) {
      throw new AthenaQueryError(`named query "${query.name}" still ${state ?? 'unknown'} after ${Math.round(waited / 1000)} s [query execution ${id}]; see it in the Athena console`);
    }
    const delay = backoffDelays(initial, max, attempt + 1)[attempt] as number;
    await sleep(delay);
    waited += delay;
  }

  let columns: string[] = [];
  const rows: (string | null)[][] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = (await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_SIZE, ...(token ? { NextToken: token } : {}) }))) as GetQueryResultsCommandOutput;
    const pageRows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? null));
    if (first) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Label ?? c.Name ?? '');
      // A SELECT's first row repeats the column labels.
      if (pageRows.length > 0 && sameRow(pageRows[0] as (string | null)[], columns)) pageRows.shift();
      first = false;
    }
    rows.push(...pageRows);
    token = page.NextToken;
  } while (token);
  return statistics ? { columns, rows, statistics } : { columns, rows };
}

function sameRow(row: (string | null)[], columns: string[]): boolean {
  return row.length === columns.length && row.every((v, i) => v === columns[i]);
}
