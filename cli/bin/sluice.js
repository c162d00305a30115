#!/usr/bin/env node
// The CLI runs from an esbuild bundle of its TypeScript, built on first use and rebuilt when a
// source is newer (./bundle.js), so the repository still needs no build step.
// A reader that stops early (`sluice ... | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('./bundle')
  .loadCli()
  .then((cli) => cli.main(process.argv))
  .catch((err) => {
    // main() handles every error a user can cause; what reaches here is a bug.
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
