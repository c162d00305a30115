// The CLI runs from one esbuild bundle of its TypeScript sources, built on first use and again
// whenever a source is newer than the bundle, so `sluice --help` starts without compiling
// TypeScript. npm packages stay outside the bundle; the commands load the heavy ones (DuckDB, the
// AWS SDK) only when they run.
'use strict';
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
/** The folders whose TypeScript the CLI is built from (cli/ imports these, directly or not). */
const SOURCE_DIRS = ['cli', 'core', 'local', 'ops', 'stacks', 'functions'];

/** The bundle of a checkout: under .build/ (git-ignored), beside the Lambda bundles. */
function bundlePath(root = ROOT) {
  return join(root, '.build', 'cli', 'sluice.cjs');
}

function newestSource(root) {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json|js)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return newest;
}

/** True when the bundle is missing or older than a source file or package.json. */
function isStale(root = ROOT) {
  const bundle = bundlePath(root);
  return !existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(root);
}

/**
 * Each module keeps its own __dirname (the sources find their schemas, SQL and child scripts next
 * to themselves), relative to the bundle so the checkout can move.
 */
function dirnamePlugin(bundle) {
  return {
    name: 'source-dirname',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!/\b__dirname\b/.test(text)) return undefined;
        const rel = relative(dirname(bundle), dirname(args.path)).split('\\').join('/');
        return { contents: `var __dirname = require('node:path').join(__sluiceBundleDir, ${JSON.stringify(rel)});\n${text}`, loader: 'ts' };
      });
    },
  };
}

/** Bundles cli/index.ts of `root` into its bundle path. */
async function build(root = ROOT) {
  const esbuild = require('esbuild');
  const bundle = bundlePath(root);
  mkdirSync(dirname(bundle), { recursive: true });
  // Written beside the bundle and renamed, so concurrent first runs never read half a file.
  const partial = `${bundle}.${process.pid}.partial`;
  await esbuild.build({
    entryPoints: [join(root, 'cli', 'index.ts')],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    banner: { js: 'const __sluiceBundleDir = __dirname;' },
    plugins: [dirnamePlugin(bundle)],
    logLevel: 'silent',
  });
  renameSync(partial, bundle);
  return bundle;
}

/** The CLI module: the bundle, (re)built first when missing or older than a source. */
async function loadCli(root = ROOT) {
  if (isStale(root)) {
    try {
      await build(root);
    } catch (err) {
      // esbuild names the file and line; the sources then run through tsx, which reports the same.
      process.stderr.write(`sluice: cannot bundle the CLI (${String(err.message).split('\n')[0]}); running it from source\n`);
      require('tsx/cjs');
      return require(join(root, 'cli', 'index.ts'));
    }
  }
  return require(bundlePath(root));
}

module.exports = { bundlePath, build, isStale, loadCli };
