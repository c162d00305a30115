import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { projectRoot } from '../../core/project';

interface ReleaseOptions {
  jar?: string;
  out?: string;
  pin?: string;
  json?: boolean;
}

/** `sluice release [--jar <path>] [--pin <stack>]`: builds a release and writes its manifest. */
export function registerRelease(program: Command): void {
  program
    .command('release')
    .description('Build a release: every deployable artifact (function bundles, runner jar, job SQL, named queries) with a manifest of content hashes; prints its id')
    .option('--jar <path>', 'runner jar to release (default: sql/runner/target/sluice-flink-runner-kinesis.jar from `make flink-jar-cloud`, or SLUICE_FLINK_JAR)')
    .option('--out <dir>', 'folder to write the release directory <id>/ in (default: dist/releases, or SLUICE_RELEASES_DIR)')
    .option('--pin <stack>', 'also set sluice:release in Pulumi.<stack>.yaml to the new release')
    .option('--json', 'print the manifest as JSON instead of a summary')
    .addHelpText(
      'after',
      '\nThe same sources and jar always give the same id. `make release` builds the jar first.\nExamples:\n  make release\n  npx sluice release --pin dev && pulumi up --stack dev',
    )
    .action(async (opts: ReleaseOptions) => {
      const { buildRelease } = require('../../ops/release') as typeof import('../../ops/release');
      const root = projectRoot();
      const built = buildRelease({ root, jar: opts.jar, outDir: opts.out });
      if (opts.pin !== undefined) {
        const { loadStackText, pinRelease, stackFilePath } = require('../../stacks/file') as typeof import('../../stacks/file');
        const path = stackFilePath(opts.pin, root);
        const pinned = pinRelease(readFileSync(path, 'utf8'), built.manifest.id);
        loadStackText(opts.pin, path, pinned);
        writeFileSync(path, pinned);
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(built.manifest, null, 2)}\n`);
        return;
      }
      const a = built.manifest.artifacts;
      const line = (name: string, files: Record<string, string>) => `  ${name.padEnd(28)} ${Object.keys(files).length} file(s)`;
      process.stderr.write(
        [
          `release ${built.manifest.id} ${built.existed ? '(already built)' : 'built'} in ${built.dir}`,
          ...Object.entries(a).map(([name, artifact]) => line(name, artifact.files)),
          `  sources                      ${Object.keys(built.manifest.sources).length} file(s); config schema ${built.manifest.configSchemaVersion}`,
          ...(opts.pin === undefined ? [] : [`pinned in Pulumi.${opts.pin}.yaml`]),
          '',
        ].join('\n'),
      );
      process.stdout.write(`${built.manifest.id}\n`);
    });
}
