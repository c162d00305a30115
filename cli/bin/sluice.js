#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the repository needs no build step.
require('tsx/cjs');
require('../index.ts').main(process.argv).catch((err) => {
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
