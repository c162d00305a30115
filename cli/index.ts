import { Command, CommanderError } from 'commander';
import { UserError } from '../core/user-error';
import { registerConfig } from './commands/config';
import { registerGenerate } from './commands/generate';
import { registerValidate } from './commands/validate';
import { registerBench } from './commands/bench';
import { registerFlink } from './commands/flink';
import { registerQuery } from './commands/query';
import { registerLocal } from './commands/local';
import { registerReplay } from './commands/replay';
import { registerArchive } from './commands/archive';
import { registerBackfill } from './commands/backfill';
import { registerCost } from './commands/cost';
import { registerStatus } from './commands/status';
import { registerRelease } from './commands/release';
import { registerPromote } from './commands/promote';

/** Builds the `sluice` command tree; each command lives in its own module under `cli/commands/`. */
export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Sluice: streaming data platform on AWS (Kinesis, Managed Flink SQL, Iceberg on S3, Glue, Athena)')
    .showHelpAfterError('(run with --help for usage)')
    // Options after a subcommand belong to it (`sluice bench ingest --json f`, where bench has --json too).
    .enablePositionalOptions()
    // Before the commands are added, so that each inherits it: usage errors throw, main() sets the exit code.
    .exitOverride()
    .addHelpText('after', '\nExit status: 0 success, 1 bad input or a failed run, 2 a wrong command line (usage).');
  registerConfig(program);
  registerGenerate(program);
  registerValidate(program);
  registerBench(program);
  registerFlink(program);
  registerQuery(program);
  registerLocal(program);
  registerReplay(program);
  registerArchive(program);
  registerBackfill(program);
  registerCost(program);
  registerStatus(program);
  registerRelease(program);
  registerPromote(program);
  return program;
}

/** `config check` for the command that ran, to name it in error messages. */
function commandPath(command: Command | undefined): string {
  const names: string[] = [];
  for (let c = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Runs the CLI. The one place errors a user can cause are caught: a `UserError` prints
 * `sluice <command>: <message>` and sets its exit code (1 bad input or failed run, 2 usage);
 * commander's own usage errors, which it has already printed, exit 2. Anything else is a bug
 * and propagates.
 */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  let running: Command | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof UserError) {
      const where = commandPath(running);
      process.stderr.write(`sluice${where ? ` ${where}` : ''}: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
