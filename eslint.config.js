// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.local/**', '.venv/**', 'dags/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed in Temporal's deterministic sandbox: no I/O, no Node APIs, no adapters.
    // Activities may be referenced by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows run in a deterministic sandbox: no Node built-ins.' })),
          patterns: [
            { group: ['**/adapters', '**/adapters/**', '@aws-sdk/*', 'kafkajs', 'koa', '@koa/*'], message: 'Workflows must not touch storage or messaging: call an activity.' },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Import activities with `import type` and call them through proxyActivities.' },
            { group: ['**/config', '**/config/**'], message: 'Workflows get their settings as input, not from the environment.' },
          ],
        },
      ],
    },
  },
  {
    // The domain and the recommender are pure: no clients, no servers, no environment.
    files: ['domain/**/*.ts', 'recommender/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/adapters', '**/adapters/**', '@aws-sdk/*', 'kafkajs', 'koa', '@koa/*', '@temporalio/*'], message: 'Pure code: take data as arguments; adapters live in adapters/.' },
            { group: ['**/config', '**/config/**'], message: 'Pure code: take settings as arguments.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console's page script runs in the browser as a module.
    files: ['console/static/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
);
