import { Command } from 'commander';
import { projectRoot } from '../../core/project';

interface PromoteCliOptions {
  from?: string;
  to: string;
  release?: string;
  allowReplace: string[];
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** `sluice promote --from dev --to prod`: moves a verified release through the gates (ops/promote.ts). */
export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description(
      'Promote the release a stack runs to another stack after the gates pass (history, soak time, alarms and Flink applications, config, preview, no update running); --release <older id> rolls back',
    )
    .requiredOption('--to <stack>', 'target stack, e.g. prod')
    .option('--from <stack>', "source stack (default: the target's sluice:pipeline.promoteFrom)")
    .option('--release <id>', "release to promote (default: the one the source's last update ran); an older release is a rollback")
    .option('--allow-replace <urn>', 'let the preview replace or delete this stateful resource; repeat for each', (v: string, all: string[]) => [...all, v], [])
    .option('-y, --yes', 'run the update without asking')
    .option('--dry-run', 'evaluate every gate (the preview included) and print the commands, change nothing')
    .option('--json', 'print the gates and the outcome as JSON')
    .addHelpText(
      'after',
      '\nNeeds the Pulumi CLI (the Automation API drives it) and AWS credentials that can read the source stack and deploy the target.\nExamples:\n  npx sluice promote --from dev --to prod --dry-run\n  npx sluice promote --to prod --yes\n  npx sluice promote --to prod --release 3f9c0a1b2d4e5f60 --yes   # rollback',
    )
    .action(async (opts: PromoteCliOptions) => {
      // Loaded here, not at the top, so `sluice --help` does not load Pulumi or the AWS SDK.
      const { promote } = require('../../ops/promote') as typeof import('../../ops/promote');
      const { automationStacks } = require('../../ops/pulumi-automation') as typeof import('../../ops/pulumi-automation');
      const { readStackHealth } = require('../../ops/health') as typeof import('../../ops/health');
      const root = projectRoot();
      const confirm = async (question: string) => {
        if (!process.stdin.isTTY) return false;
        const { createInterface } = require('node:readline/promises') as typeof import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return (await rl.question(`${question} Type "${opts.to}" to go ahead: `)).trim() === opts.to;
        } finally {
          rl.close();
        }
      };
      const outcome = await promote(
        { from: opts.from, to: opts.to, release: opts.release, allowReplace: opts.allowReplace, yes: opts.yes === true, dryRun: opts.dryRun === true, root },
        { stacks: automationStacks(root), health: readStackHealth, confirm, log: (t) => process.stderr.write(`${t.endsWith('\n') ? t : `${t}\n`}`) },
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      } else {
        process.stdout.write(`promote ${outcome.release}: ${outcome.from} -> ${outcome.to}\n`);
        for (const g of outcome.gates) process.stdout.write(`  ${g.passed ? 'PASS' : 'FAIL'}  ${g.gate.padEnd(21)} ${g.evidence}\n`);
        const said = {
          refused: 'refused: a gate failed; nothing was changed',
          'dry-run': `every gate passed; nothing was changed (--dry-run). To promote:\n${outcome.commands.map((c) => `  ${c}`).join('\n')}`,
          declined: process.stdin.isTTY ? 'not confirmed; nothing was changed' : 'not confirmed: no terminal to ask; pass --yes to update without asking',
          updated: `${outcome.to} now runs release ${outcome.release}; commit Pulumi.${outcome.to}.yaml so the repository records it`,
          failed: `the update of ${outcome.to} failed; Pulumi.${outcome.to}.yaml names release ${outcome.release}: fix and re-run, or roll back with --release <previous>`,
        }[outcome.status];
        process.stdout.write(`${said}\n`);
      }
      process.exitCode = outcome.status === 'updated' || outcome.status === 'dry-run' ? 0 : 1;
    });
}
