import { Command, InvalidArgumentError } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { FLINK_JOBS, isFlinkJob, jobSqlParameters } from '../../core/jobs';
import { UserError } from '../../core/user-error';
import { checkOutputDirectory } from '../../local/output';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const stackLoad = () => require('../../stacks/load') as typeof import('../../stacks/load');
const flink = () => require('../../local/flink') as typeof import('../../local/flink');

function param(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got "${value}" (e.g. --param window_seconds=300)`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerFlink(program: Command): void {
  program
    .command('flink')
    .description('Run one Flink SQL job locally in a Flink mini-cluster, over a JSON-lines file, with the packaged SQL')
    .argument('<job>', `the job: ${FLINK_JOBS.join(' | ')}`)
    .requiredOption('--input <file.jsonl>', 'input JSON lines (enriched events for dedup-filter, processed events for aggregate)')
    .requiredOption('--output <dir>', 'output directory; receives <sink>.jsonl per sink (processed | aggregates, late-events)')
    .option('--param <name=value>', 'a job parameter (repeatable), e.g. window_seconds=300, exclude_event_types=internal,debug', param, {})
    .option('--heap <size>', 'maximum JVM heap for the mini-cluster', '1g')
    .addHelpText(
      'after',
      '\nParameters: dedup-filter takes dedup_ttl_seconds, exclude_event_types, exclude_event_names, max_future_skew_seconds;\n' +
        'aggregate takes window_seconds, allowed_lateness_seconds. Unset ones take the defaults of\n' +
        'sluice:processing (stacks/schema.ts), as a stack that sets none of them would.\n' +
        '\nExample:\n  npx sluice flink dedup-filter --input enriched.jsonl --output out --param exclude_event_types=internal\n' +
        '  npx sluice flink aggregate --input out/processed.jsonl --output out',
    )
    .action(async (job: string, opts: { input: string; output: string; param: Record<string, string>; heap: string }) => {
      if (!isFlinkJob(job)) throw new UserError(`unknown job "${job}"; choose one of: ${FLINK_JOBS.join(', ')}`, 2);
      if (!existsSync(opts.input) || !statSync(opts.input).isFile()) {
        throw new UserError(`--input ${opts.input} ${existsSync(opts.input) ? 'is not a file' : 'does not exist'}; give a JSON-lines file`);
      }
      checkOutputDirectory(opts.output, '--output');
      // Unset parameters take the stack config's defaults: the runner has none of its own.
      const params = { ...jobSqlParameters(job, { processing: stackLoad().defaultProcessingConfig() }), ...opts.param };
      const summary = await flink().runFlinkJob({ job, input: opts.input, output: opts.output, params, heap: opts.heap });
      for (const [sink, out] of Object.entries(summary.outputs)) {
        process.stdout.write(`${sink}: ${out.records} records -> ${out.path}\n`);
      }
      process.stderr.write(`${job} finished in ${(summary.elapsed_ms / 1000).toFixed(1)} s\n`);
    });
}
