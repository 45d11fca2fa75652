import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'test-output', 'bench/results', '.tmp'] },
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
    files: ['src/config/**', 'test/**', 'bench/**', 'bin/**', '*.config.*'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Plain JavaScript run by Node: its globals are not TypeScript's to check.
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly' } },
  },
);
