import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'packages/*/dist', 'test-output', 'bench/results', '.tmp'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config (loadConfig), the only reader of process.env.',
        },
      ],
    },
  },
  {
    // Migrations take Kysely<any> on purpose: a migration must not depend on today's table types.
    files: ['src/storage/migrations/**', 'src/storage/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: [
      'src/config/**',
      'test/**',
      'bench/**',
      'bin/**',
      'examples/**',
      'scripts/**',
      'packages/**',
      '*.config.*',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Plain JavaScript run by Node: its globals are not TypeScript's to check.
    files: ['bin/**/*.js', 'scripts/**/*.js', 'test/**/*.mjs'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', Buffer: 'readonly' } },
  },
  {
    // The examples are stand-alone Node scripts, configured by their environment.
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: {
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Headers: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
);
