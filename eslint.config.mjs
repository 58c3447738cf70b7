// ESLint flat config: type-aware rules for the whole project, Node built-ins banned in workflow code
// (workflows run in a deterministic sandbox; I/O belongs in activities), and the layers of docs/architecture.md:
// each folder of src/ imports only the layers below it.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** `target` may not import from any of `from` (folders under src/). */
const layer = (target, from, message) => ({
  target: `./src/${target}`,
  from: from.map((f) => `./src/${f}`),
  message,
});

// The layers, lowest first: domain → store → activities → workflows → api → platform (composition) → entry points.
const layers = [
  layer(
    'domain',
    ['store', 'activities', 'workflows', 'api', 'platform', 'simulation', 'cli', 'dev', 'config'],
    'The domain is pure rules: it imports nothing of the engine outside src/domain.',
  ),
  layer(
    'store',
    ['activities', 'workflows', 'api', 'platform', 'simulation', 'cli', 'dev', 'config'],
    'The store imports only the domain (its vocabulary).',
  ),
  layer(
    'activities',
    ['workflows', 'api', 'platform', 'simulation', 'cli', 'dev', 'config'],
    'Activities import the domain and the store; workflows call them, not the other way round.',
  ),
  layer(
    'workflows',
    ['store', 'api', 'platform', 'simulation', 'cli', 'dev', 'config'],
    'Workflows are deterministic: the domain, their own files, and activity types only (see the workflow rule below).',
  ),
  layer(
    'api',
    ['activities', 'platform', 'simulation', 'cli', 'dev'],
    'The API validates and translates: domain, store, workflow definitions and types; it never runs activities.',
  ),
  layer('simulation', ['cli', 'dev'], 'The simulation is started by the CLI, not the other way round.'),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'console/dist/**',
      'console/src/api/schema.d.ts',
      'console/*.config.*',
      'test-artifacts/**',
      '.data/**',
      'bin/**',
      'coverage/**',
      '*.config.*',
      // Loaded by jest without its transform, so plain CommonJS outside the TypeScript project.
      'test/support/suite-times-reporter.js',
      'drizzle/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/ignore': ['node_modules'],
      // Resolve the project's TypeScript files, or the import rules (no-cycle, the layers) would skip every import.
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code is deterministic: no Node built-ins; do I/O in an activity.',
          })),
          patterns: [
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'Workflows call activities through proxyActivities: import their types only.',
            },
          ],
        },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'The domain is pure: no I/O.' })),
          patterns: [{ group: ['@temporalio/*'], message: 'The domain does not know Temporal.' }],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
