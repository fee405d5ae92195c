// Lint what the compiler cannot see: promises left floating (a lost activity or update result), and the
// architecture — machines/ is pure (no I/O, no Temporal), workflows/ run in Temporal's sandbox (no Node, no
// database; activities only as types).
import tseslint from 'typescript-eslint';

const NODE_AND_IO = [
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto'], message: 'No Node built-ins here (SPEC §6 sandbox / pure statechart).' },
  { group: ['knex', 'sqlite3', 'pg', '**/db', '**/db/*'], message: 'The database is reached through activities only.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.temporal/**', 'data/**', 'dist/**', 'coverage/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['machines/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [...NODE_AND_IO, { group: ['@temporalio/*', '**/workflows', '**/workflows/*', '**/activities', '**/activities/*'], message: 'machines/ is pure: no Temporal, no workflows or activities.' }] },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...NODE_AND_IO,
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows import activities as types only and proxy them.' },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code uses @temporalio/workflow.' },
          ],
        },
      ],
    },
  },
);
