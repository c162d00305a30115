import { Command, InvalidArgumentError } from 'commander';
import { bucketName } from '../../core/naming';
import { projectRoot } from '../../core/project';
import { checkBackfillTarget } from '../../core/replay';
import { UserError } from '../../core/user-error';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const stackFile = () => require('../../stacks/file') as typeof import('../../stacks/file');
const cloudBackfill = () => require('../../local/cloud-backfill') as typeof import('../../local/cloud-backfill');

interface BackfillCliOptions {
  stack: string;
  archive?: string;
  sample: number;
  kmsKey?: string;
  work?: string;
  createMissingTables?: boolean;
  restore?: string;
  dropPrevious?: string;
  iKnow?: boolean;
  heap: string;
  dir: string;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

/**
 * `sluice backfill`: the jobs in batch over a stack's whole raw archive on this machine, checked
 * against the stack's live Glue tables, then published into them; or the restore or forgetting of
 * the state a backfill replaced.
 */
export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description(
      "Re-run both Flink SQL jobs over a stack's whole raw archive (batch, on this machine) and replace its Glue tables events and aggregates with the result, checked first, the previous state kept",
    )
    .requiredOption('-s, --stack <name>', 'the stack whose archive (lake bucket raw/) and Glue tables to use')
    .option('--archive <dir>', "read the archive from a local lake directory instead of the stack's lake bucket")
    .option('--sample <n>', 'live rows compared column by column with the backfill before publishing', positive, 100)
    .option('--kms-key <arn>', "the stack key for SSE-KMS of the copied data files (default: the alias ARN of the stack's key, alias/sluice-<stack>)")
    .option('--work <dir>', 'where the staging lake is built and kept until it is published (default .sluice/backfill/<stack>)')
    .option('--create-missing-tables', 'create events or aggregates when the Glue database lacks them (a catalog lost with its tables), instead of refusing')
    .option('--restore <tag>', 'make the state a backfill replaced (its before-backfill-<id> tag) current again, in both tables')
    .option('--drop-previous <tag>', 'forget the state a backfill replaced: drop its tag, so snapshot expiry may reclaim its files')
    .option('--i-know', "allow a backfill or a restore of the prod stack's tables")
    .option('--heap <size>', 'maximum heap of each Flink mini-cluster', '2g')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .addHelpText(
      'after',
      '\nWhat it does: reads every object of raw/ (day zero to now, in arrival order), runs dedup-filter and aggregate in a local\n' +
        'Flink mini-cluster into a staging lake, checks it (no duplicate keys, row counts beside the live tables, a sample of live\n' +
        "rows compared with the same keys), copies the staged data files under the tables' S3 locations and replaces each table's\n" +
        'contents with one Iceberg commit, after a publish record naming both tables. Into empty tables it is a disaster rebuild.\n' +
        "The previous snapshots stay tagged before-backfill-<id> until --drop-previous. Each table's commit is atomic; the two\n" +
        'together are not: a reader between them sees the new events with the old aggregates, and an interrupted publication\n' +
        'is finished by running the same command again (or rolled back with --restore).\n' +
        "Stop the stack's Flink applications (with a snapshot) before publishing: a table that gained a commit since it was\n" +
        'tagged is refused, never overwritten.\n' +
        '\nExamples:\n  sluice backfill --stack dev\n  sluice backfill --stack dev --restore before-backfill-20261202T011500\n' +
        '  sluice backfill --stack dev --drop-previous before-backfill-20261202T011500',
    )
    .action(async (opts: BackfillCliOptions) => {
      if (opts.dropPrevious === undefined) checkBackfillTarget({ stack: opts.stack, confirmed: opts.iKnow === true, action: opts.restore !== undefined ? 'restore' : 'backfill' });
      const config = stackFile().loadStackFile(opts.stack, opts.dir);
      // An emulator (moto in the tests) stands in for Glue and S3 when AWS_ENDPOINT_URL is set, as for the SDK clients.
      const lake = cloudBackfill().glueLakeOf(config, { kmsKey: opts.kmsKey, endpoint: process.env.AWS_ENDPOINT_URL });
      if (opts.restore !== undefined || opts.dropPrevious !== undefined) {
        if (opts.restore !== undefined && opts.dropPrevious !== undefined) throw new UserError('give --restore or --drop-previous, not both');
        const tag = (opts.restore ?? opts.dropPrevious) as string;
        cloudBackfill().cloudPreviousState(lake, opts.restore !== undefined ? 'restore' : 'drop', tag);
        process.stderr.write(`${opts.restore !== undefined ? `restored ${tag} in` : `dropped ${tag} from`} Glue database ${lake.database}\n`);
        return;
      }
      const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      const { directoryArchive, s3Archive } = require('../../ops/archive') as typeof import('../../ops/archive');
      const s3 = new S3Client({ region: config.account.region, forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
      const store = opts.archive !== undefined ? directoryArchive(opts.archive) : s3Archive(s3, bucketName(config, 'lake'));
      const report = await cloudBackfill().runCloudBackfill({
        stack: opts.stack,
        dir: opts.dir,
        store,
        s3,
        lake,
        work: opts.work,
        sample: opts.sample,
        createMissingTables: opts.createMissingTables === true,
        heap: opts.heap,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
