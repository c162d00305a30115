import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { formatArchiveCheck, type ArchiveCheckResult } from '../../core/archive-check';
import { bucketName, physicalName } from '../../core/naming';
import { projectRoot } from '../../core/project';
import { replayHours, ReplayInputError } from '../../core/replay';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const stackFile = () => require('../../stacks/file') as typeof import('../../stacks/file');

interface VerifyOptions {
  from: string;
  to: string;
  stack?: string;
  local?: string;
  json?: boolean;
  dir: string;
}

/** `sluice archive verify`: is every accepted event in the raw archive, hour by hour? */
export function registerArchive(program: Command): void {
  const archive = program.command('archive').description('Check the raw archive, the history that replay and backfill read');
  archive
    .command('verify')
    .description("Compare records per hour in the raw archive with the events stream's IncomingRecords (--stack) or the local curated table (--local); exit 1 when the archive lacks any")
    .requiredOption('--from <date>', 'first UTC day or hour: YYYY-MM-DD or YYYY-MM-DDTHH')
    .requiredOption('--to <date>', 'last UTC day or hour (inclusive): YYYY-MM-DD or YYYY-MM-DDTHH')
    .option('-s, --stack <name>', "a deployed stack: its lake bucket's raw/ against CloudWatch's IncomingRecords of its events stream")
    .option('-l, --local <dir>', 'a local lake (as sluice local writes it): its raw/ against its curated events table, hour and key')
    .option('--json', 'print the comparison as JSON')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .addHelpText('after', '\nExamples:\n  sluice archive verify --stack dev --from 2026-03-17 --to 2026-03-17\n  sluice archive verify --local out/local/lake --from 2026-03-17 --to 2026-03-18')
    .action(async (opts: VerifyOptions) => {
      if ((opts.stack === undefined) === (opts.local === undefined)) throw new ReplayInputError('give exactly one of --stack <name> (S3 and CloudWatch) or --local <lake dir>', 2);
      const hours = replayHours(opts.from, opts.to);
      let result: ArchiveCheckResult & { missingKeys?: string[] };
      let reference: string;
      if (opts.local !== undefined) {
        if (!existsSync(opts.local)) throw new ReplayInputError(`--local ${opts.local} does not exist; give the lake directory sluice local wrote (its report names it)`);
        const { verifyLocalArchive } = require('../../local/archive-verify') as typeof import('../../local/archive-verify');
        result = await verifyLocalArchive(opts.local, hours);
        reference = 'curated';
      } else {
        const config = stackFile().loadStackFile(opts.stack as string, opts.dir);
        const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
        const { CloudWatchClient } = require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
        const { s3Archive } = require('../../ops/archive') as typeof import('../../ops/archive');
        const { archiveHourCounts, streamHourCounts } = require('../../ops/archive-verify') as typeof import('../../ops/archive-verify');
        const { checkArchive } = require('../../core/archive-check') as typeof import('../../core/archive-check');
        const region = config.account.region;
        const store = s3Archive(new S3Client({ region }), bucketName(config, 'lake'));
        const archived = await archiveHourCounts(store, hours);
        const incoming = await streamHourCounts(new CloudWatchClient({ region }), physicalName(config, 'events'), hours);
        result = checkArchive(hours, archived, incoming);
        reference = 'events';
      }
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatArchiveCheck(result, reference));
      if (result.missingKeys?.length) process.stdout.write(`curated events missing from the archive (first ${result.missingKeys.length}): ${result.missingKeys.join(', ')}\n`);
      if (!result.complete) process.exitCode = 1;
    });
}
