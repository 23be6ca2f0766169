import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-lambda/**', 'cdk.out/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A dropped promise in Kafka or socket code is a lost message or an unhandled rejection.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // PHI-safe structured logging only (libs/platform createLogger); scripts and benches may print.
      'no-console': 'error',
      // Apps and libs import libs through their index (@lib/<name>), never by deep path.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@lib/*/src/*', '**/libs/*/src/**'], message: 'import libs through @lib/<name>' }] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'bench/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off', 'no-restricted-imports': 'off' },
  },
);
