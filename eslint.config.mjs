// The dependency order of DESIGN.md ("Layout"), enforced: each layer imports only the layers
// listed for it. `make lint` runs this; tests/lint/order.test.ts proves a wrong import fails.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createNodeResolver } from 'eslint-plugin-import-x';

const LAYERS = ['core', 'stacks', 'functions', 'infra', 'ops', 'local', 'policy', 'cli', 'tests'];

/** A zone: files under `layer` may import only from `allowed` (and themselves). */
const zone = (layer, allowed) => ({
  target: `./${layer}`,
  from: LAYERS.filter((l) => l !== layer && !allowed.includes(l)).map((l) => `./${l}`),
  message: `${layer}/ may import only ${[layer, ...allowed].join(', ')} (DESIGN.md, "Layout")`,
});

export default tseslint.config(
  { ignores: ['node_modules/**', '**/target/**', '.build/**', '.sluice/**', 'out/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    // Only the rules below are on; directives for rules that are off are not reported.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // core: only itself, and types from stacks/types (checked by the rule below).
            { ...zone('core', []), from: LAYERS.filter((l) => l !== 'core' && l !== 'stacks').map((l) => `./${l}`) },
            { target: './core', from: './stacks', except: ['./types.ts'], message: 'core/ may import only core, and `import type` from stacks/types (DESIGN.md, "Layout")' },
            zone('stacks', ['core']),
            zone('functions', ['core']),
            zone('infra', ['core', 'stacks']),
            // ops builds releases from the same function list and artifact checks the Pulumi program uses.
            zone('ops', ['core', 'stacks', 'functions', 'infra']),
            zone('local', ['core', 'functions', 'stacks', 'ops']),
            zone('policy', ['core', 'stacks']),
            // The Pulumi entry point builds the platform from its config.
            { target: './index.ts', from: ['./functions', './ops', './local', './policy', './cli', './tests'], message: 'index.ts may import only core, stacks and infra (DESIGN.md, "Layout")' },
          ],
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/stacks/types'], allowTypeImports: true, message: 'core/ may import stacks/types only with `import type`' },
            { group: ['@pulumi/*', '@aws-sdk/*'], message: 'core/ is pure: no Pulumi and no AWS SDK (DESIGN.md, "Layout")' },
          ],
        },
      ],
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
);
