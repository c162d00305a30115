import { Command } from 'commander';
import { stringify } from 'yaml';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadStackFile, loadStackText, pinRelease, stackFilePath } from '../../stacks/file';
import { ConfigError } from '../../stacks/load';
import { projectRoot } from '../../core/project';

/**
 * `sluice config check --stack <name>`: validates a stack file without the Pulumi CLI and prints the
 * resolved config. `sluice config pin-release <id> --stack <name>`: names the release the stack runs.
 */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('Inspect and validate stack configuration');
  config
    .command('check')
    .description('Validate Pulumi.<stack>.yaml with the same loader the Pulumi program uses, and print the resolved configuration (defaults applied)')
    .requiredOption('-s, --stack <name>', 'stack name, e.g. dev or prod')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .option('--json', 'print the resolved configuration as JSON instead of YAML')
    .action((opts: { stack: string; dir: string; json?: boolean }) => {
      try {
        const resolved = loadStackFile(opts.stack, opts.dir);
        process.stdout.write(opts.json ? `${JSON.stringify(resolved, null, 2)}\n` : stringify(resolved));
        process.stderr.write(`stack "${opts.stack}": configuration is valid\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      }
    });
  config
    .command('pin-release')
    .description('Set sluice:release in Pulumi.<stack>.yaml to a release id, keeping the rest of the file; the file must still validate')
    .argument('<release>', 'release id (16 hex digits, as `sluice release` prints it)')
    .requiredOption('-s, --stack <name>', 'stack name, e.g. prod')
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .action((release: string, opts: { stack: string; dir: string }) => {
      const path = stackFilePath(opts.stack, opts.dir);
      try {
        if (!existsSync(path)) throw new ConfigError(opts.stack, [`${path} does not exist; pick an existing stack with --stack`]);
        const pinned = pinRelease(readFileSync(path, 'utf8'), release);
        loadStackText(opts.stack, path, pinned);
        writeFileSync(path, pinned);
        process.stderr.write(`stack "${opts.stack}": sluice:release is ${release}\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
