import { expect } from 'chai';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/pulumi';

/**
 * The ESLint config (eslint.config.mjs) enforces DESIGN.md's dependency order: an import that
 * breaks it fails the lint, one that keeps it passes. Each case lints a source text as if it were
 * a file at that path.
 */
describe('lint: the dependency order of the layers', function () {
  this.timeout(60_000);
  let lint: (path: string, code: string) => Promise<string[]>;

  before(async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: REPO_ROOT });
    lint = async (path, code) => {
      const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, path) });
      return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
    };
  });

  const refused: [string, string, RegExp][] = [
    ['core/x.ts', "import { CatalogComponent } from '../infra/catalog';", /core\/ may import only core/],
    ['core/x.ts', "import { STREAM_NAMES } from '../stacks/types';", /core\/ may import stacks\/types only with `import type`/],
    ['core/x.ts', "import { loadStackFile } from '../stacks/file';", /core\/ may import only core, and `import type` from stacks\/types/],
    ['core/x.ts', "import * as aws from '@pulumi/aws';", /core\/ is pure: no Pulumi and no AWS SDK/],
    ['core/events/x.ts', "import { S3Client } from '@aws-sdk/client-s3';", /core\/ is pure/],
    ['stacks/x.ts', "import { sluiceProgram } from '../infra/program';", /stacks\/ may import only stacks, core/],
    ['functions/x.ts', "import { loadStackFile } from '../stacks/file';", /functions\/ may import only functions, core/],
    ['infra/x.ts', "import { runLocal } from '../local/run';", /infra\/ may import only infra, core, stacks/],
    ['infra/x.ts', "import { pipeline } from '../functions/ingest/pipeline';", /infra\/ may import only infra, core, stacks/],
    ['ops/x.ts', "import { queryLocalLake } from '../local/lake';", /ops\/ may import only ops, core, stacks, functions, infra/],
    ['local/x.ts', "import { buildProgram } from '../cli/index';", /local\/ may import only local, core, functions, stacks, ops/],
    ['local/x.ts', "import { CatalogComponent } from '../infra/catalog';", /local\/ may import only/],
    ['core/x.ts', "import { REPO_ROOT } from '../tests/support/pulumi';", /core\/ may import only core/],
    ['index.ts', "import { runLocal } from './local/run';", /index\.ts may import only core, stacks and infra/],
  ];
  for (const [path, code, message] of refused) {
    it(`refuses in ${path}: ${code}`, async () => {
      const errors = await lint(path, code);
      expect(errors.length, `${path}: ${code}`).to.equal(1);
      expect(errors[0]).to.match(message);
    });
  }

  const allowed: [string, string][] = [
    ['core/x.ts', "import type { SluiceConfig } from '../stacks/types';"],
    ['core/x.ts', "import { errorKey } from './error-zone';"],
    ['stacks/x.ts', "import { UserError } from '../core/user-error';"],
    ['infra/x.ts', "import { loadStackFile } from '../stacks/file';"],
    ['local/x.ts', "import { runAthenaQuery } from '../ops/athena';"],
    ['cli/x.ts', "import { runLocal } from '../local/run';"],
    ['tests/x.test.ts', "import { buildProgram } from '../cli/index';"],
  ];
  for (const [path, code] of allowed) {
    it(`allows in ${path}: ${code}`, async () => {
      expect(await lint(path, code)).to.deep.equal([]);
    });
  }
});
