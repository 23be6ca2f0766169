import tseslint from 'typescript-eslint';

/** Apps and libs import libs through their index (@lib/<name>), never by deep path. */
const deepImports = { group: ['@lib/*/src/*', '**/libs/*/src/**'], message: 'import libs through @lib/<name>' };

/**
 * Which internal libs each part may import: dependencies run one way, along the data's path (the README's layout).
 * A lib not listed is refused, with its `/testing` entry point too.
 */
const MAY_IMPORT = {
  'libs/hl7': [],
  'libs/mllp': ['hl7'],
  'libs/platform': [],
  'libs/kafka': [],
  'libs/envelope': ['hl7', 'kafka'],
  'libs/streams': ['kafka', 'platform'],
  'libs/adapter-sdk': ['hl7', 'mllp', 'platform', 'kafka', 'envelope'],
  'apps/mllp-gateway': ['hl7', 'mllp', 'platform', 'kafka', 'envelope'],
  'apps/router': ['hl7', 'platform', 'kafka', 'envelope', 'streams'],
  'apps/adapter-lab': ['hl7', 'platform', 'kafka', 'envelope', 'adapter-sdk'],
  'apps/adapter-radiology': ['hl7', 'platform', 'kafka', 'envelope', 'adapter-sdk'],
  'apps/mllp-receiver': ['platform', 'adapter-sdk'],
  'apps/console': ['platform', 'hl7', 'mllp', 'kafka', 'envelope', 'adapter-sdk'],
};
const LIBS = ['hl7', 'mllp', 'platform', 'kafka', 'envelope', 'streams', 'adapter-sdk'];
const SPECS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

function boundaries(dir, allowed) {
  const refused = LIBS.filter((lib) => !allowed.includes(lib) && `libs/${lib}` !== dir);
  const patterns = refused.length
    ? [
        {
          group: refused.flatMap((lib) => [`@lib/${lib}`, `@lib/${lib}/*`]),
          message: allowed.length ? `${dir} may import only @lib/{${allowed.join(',')}}` : `${dir} imports no other internal lib`,
        },
      ]
    : [];
  return [
    { files: [`${dir}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: [deepImports, ...patterns] }] } },
    // Tests and their helpers keep the direction too (a router test importing the adapter SDK is a wrong edge).
    { files: SPECS.map((s) => `${dir}/${s}`), rules: { 'no-restricted-imports': ['error', { patterns }] } },
  ];
}

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
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  ...Object.entries(MAY_IMPORT).flatMap(([dir, allowed]) => boundaries(dir, allowed)),
  {
    files: [...SPECS, 'bench/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  { files: ['bench/**', 'scripts/**', 'test/**', 'deploy/**'], rules: { 'no-restricted-imports': 'off' } },
);
