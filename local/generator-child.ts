/**
 * The generator as a child process (see generator-process.ts): writes the lines of the options in
 * argv[2] (GeneratorOptions as JSON) to standard output, then sends its statistics to the parent.
 */
import { once } from 'node:events';
import { generate, type GeneratorOptions } from './generator';
import { writeLines } from './line-writer';

async function main(): Promise<void> {
  const run = generate(JSON.parse(process.argv[2]) as GeneratorOptions);
  await writeLines(run.lines, process.stdout);
  process.stdout.end();
  await once(process.stdout, 'finish');
  process.send!(run.stats, () => process.disconnect());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
