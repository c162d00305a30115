import { Command, Option } from 'commander';
import { UserError } from '../../core/user-error';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const validation = () => require('../../local/validate-file') as typeof import('../../local/validate-file');

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("Validate and enrich a local file of events with the ingestion functions' code; write valid.jsonl and errors.jsonl")
    .argument('<file>', 'JSON lines, a JSON array, or gzip of either')
    .requiredOption('--out <dir>', 'directory for valid.jsonl (enriched events) and errors.jsonl (error-zone lines)')
    .option('--source <name>', 'source name written into every event and error line', 'local')
    .addOption(new Option('--format <format>', 'how the file holds events').choices(['auto', 'jsonl', 'json-array']).default('auto'))
    .addOption(new Option('--unknown-event-names <policy>', 'events whose name has no schema').choices(['accept', 'reject']).default('accept'))
    .option('--schemas <dir>', 'schema registry folder (default: core/events/schemas)')
    .addHelpText(
      'after',
      '\nExample:\n  npx sluice validate drops/2026-03-17.jsonl.gz --out out/validated\n\nExit status: 0 when the file was read (even with invalid events), 1 when it could not be read.',
    )
    .action(async (file: string, opts: { out: string; source: string; format: 'auto' | 'jsonl' | 'json-array'; unknownEventNames: 'accept' | 'reject'; schemas?: string }) => {
      const { counts, validPath, errorsPath } = await validation().validateFile(file, opts.out, {
        source: opts.source,
        format: opts.format,
        unknownEventNames: opts.unknownEventNames,
        schemaDir: opts.schemas,
      });
      const reasons = Object.entries(counts.invalidByReason)
        .sort(([, a], [, b]) => b - a)
        .map(([code, n]) => `  ${code}: ${n}`);
      process.stdout.write(
        `${file}: ${counts.records} records, ${counts.valid} valid, ${counts.invalid} invalid\n` +
          (reasons.length ? `invalid by reason:\n${reasons.join('\n')}\n` : '') +
          `valid events: ${validPath}\nerror lines:  ${errorsPath}\n`,
      );
      if (counts.invalidByReason.unreadable_object) {
        throw new UserError(`${file} could not be read as events (see ${errorsPath}); check that it is JSON lines, a JSON array, or gzip of either, and that --format matches`);
      }
    });
}
