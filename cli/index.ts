import { Command, CommanderError } from 'commander';
import { registerConfig } from './commands/config';
import { registerGenerate } from './commands/generate';
import { registerValidate } from './commands/validate';
import { registerBench } from './commands/bench';
import { registerFlink } from './commands/flink';
import { registerQuery } from './commands/query';
import { registerLocal } from './commands/local';
import { registerReplay } from './commands/replay';
import { registerArchive } from './commands/archive';
import { registerCost } from './commands/cost';
import { registerStatus } from './commands/status';
import { registerRelease } from './commands/release';
import { registerPromote } from './commands/promote';

/** Builds the `sluice` command tree; each command lives in its own module under `cli/commands/`. */
export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Sluice: streaming data platform on AWS (Kinesis, Managed Flink SQL, Firehose, S3, Glue, Athena)')
    .showHelpAfterError('(run with --help for usage)');
  registerConfig(program);
  registerGenerate(program);
  registerValidate(program);
  registerBench(program);
  registerFlink(program);
  registerQuery(program);
  registerLocal(program);
  registerReplay(program);
  registerArchive(program);
  registerCost(program);
  registerStatus(program);
  registerRelease(program);
  registerPromote(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
