import { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { glueDatabaseName, workgroupName } from '../../core/naming';
import { describeParams, findNamedQuery, loadNamedQueries, parseParamArgs, renderQuery } from '../../core/named-queries';
import { UserError } from '../../core/user-error';
import { checkOutputFile } from '../../local/output';
import type { QueryResult } from '../../ops/athena';
import { projectRoot } from '../../core/project';
import { formatCsv, formatTable } from '../lib/table';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const stackFile = () => require('../../stacks/file') as typeof import('../../stacks/file');

interface QueryOptions {
  stack?: string;
  local?: string;
  param: string[];
  csv?: string;
  list?: boolean;
  dir: string;
}

/**
 * `sluice query <named-query> --stack <name> [--param k=v] [--csv file]`: runs one of the analysts'
 * named queries (sql/athena) in the stack's Athena workgroup, or with `--local <dir>` on a local lake.
 */
export function registerQuery(program: Command): void {
  program
    .command('query')
    .description("run an analysts' named query (sql/athena/<name>.sql) in a stack's Athena workgroup, or on a local lake with DuckDB")
    .argument('[named-query]', 'the query name, e.g. latest-events (see --list)')
    .option('-s, --stack <name>', 'stack whose workgroup and Glue database to use (region and names come from Pulumi.<stack>.yaml)')
    .option('-l, --local <dir>', 'run on a local lake directory (as written by sluice local) instead of Athena')
    .option('-p, --param <name=value>', 'a query parameter; repeat for each', (value: string, all: string[]) => [...all, value], [])
    .option('--csv <file>', 'also write the result as CSV to <file>')
    .option('--list', 'list the named queries and their parameters')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .addHelpText(
      'after',
      '\nExamples:\n  sluice query latest-events --stack dev --param event_type=payment --param since_date=2026-03-01\n  sluice query events-per-type-per-hour --local out/local/lake --param from_date=2026-03-17 --param to_date=2026-03-17 --csv hours.csv',
    )
    .action(async (name: string | undefined, opts: QueryOptions) => {
      if (opts.list) {
        for (const q of loadNamedQueries()) process.stdout.write(`${q.name}\n  ${q.description}\n  parameters: ${describeParams(q)}\n`);
        return;
      }
      if (!name) throw new UserError('give a named query, e.g. sluice query latest-events --stack dev (sluice query --list shows them)', 2);
      if ((opts.stack === undefined) === (opts.local === undefined)) throw new UserError('give exactly one of --stack <name> (Athena) or --local <dir> (DuckDB)', 2);
      if (opts.local !== undefined && !existsSync(opts.local)) {
        throw new UserError(`local lake directory ${opts.local} does not exist; run sluice local first or pass the directory it wrote`);
      }
      // Checked before the query runs, so a result is never lost to a path that cannot be written.
      if (opts.csv !== undefined) checkOutputFile(opts.csv, '--csv');
      const query = findNamedQuery(name);
      const sql = renderQuery(query, parseParamArgs(opts.param));
      let result: QueryResult;
      if (opts.local !== undefined) {
        const { queryLocalLake } = require('../../local/lake') as typeof import('../../local/lake');
        result = await queryLocalLake(opts.local, sql).catch((err: Error) => {
          throw new UserError(`named query "${name}" failed on the local lake ${opts.local}: ${err.message}`);
        });
      } else {
        const config = stackFile().loadStackFile(opts.stack as string, opts.dir);
        const { AthenaClient } = require('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena');
        const { runAthenaQuery } = require('../../ops/athena') as typeof import('../../ops/athena');
        const client = new AthenaClient({ region: config.account.region });
        result = await runAthenaQuery(client, { name, sql, workgroup: workgroupName(config), database: glueDatabaseName(config) });
      }
      process.stdout.write(formatTable(result));
      const cost = result.statistics ? `, ${(result.statistics.dataScannedBytes / 1_048_576).toFixed(1)} MiB scanned in ${(result.statistics.engineMillis / 1000).toFixed(1)} s` : '';
      process.stderr.write(`${result.rows.length} row(s)${cost}\n`);
      if (opts.csv) writeFileSync(opts.csv, formatCsv(result));
    });
}
