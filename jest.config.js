// Jest runs our TypeScript as native ES modules (NestJS 12 is ESM-only); @swc/jest strips types and keeps decorator
// metadata, which Nest's dependency injection reads. Run through scripts/jest.sh (adds --experimental-vm-modules).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@lib/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@lib/([a-z0-9-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    // The MLLP listener as a Nest transport (the gateway), apart from the client the Lambda bundles use.
    '^@lib/mllp/nest$': '<rootDir>/libs/mllp/src/nest/index.ts',
    // The Lambda secret settings alone (the CDK app needs their names, not the adapter runtime).
    '^@lib/adapter-sdk/secrets$': '<rootDir>/libs/adapter-sdk/src/lambda/lambda-secrets.ts',
    // Tools around adapters (settings, replay, scaffold, the demo receiver): scripts and deploy checks.
    '^@lib/adapter-sdk/tools$': '<rootDir>/libs/adapter-sdk/src/tools.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

// Integration and e2e projects get a real broker and registry (env, then Docker, then the local scripts).
const realKafka = {
  globalSetup: '<rootDir>/test/support/kafka-global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/kafka-global-teardown.mjs',
  setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.mjs'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,deploy,test}/**/*.spec.ts'] },
    { ...common, ...realKafka, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'] },
    { ...common, ...realKafka, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // The fault suite runs its own broker and registry (test/faults/support/fault-cluster.ts): no global setup.
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'] },
  ],
};
