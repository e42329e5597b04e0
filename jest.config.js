// Three projects: unit specs beside the code, integration and e2e suites against real servers.
// @swc/jest keeps decorator metadata so Nest's constructor injection works in tests.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^@qupersync/(.*)$': '<rootDir>/libs/$1/src' };
const common = {
  rootDir: __dirname,
  // hyparquet and hyparquet-writer ship only ES modules. Node (>= 20.19) loads them through
  // require(); jest's module loader cannot, so their sources are compiled to CommonJS for tests.
  transform: { '^.+\\.ts$': swc, '/node_modules/hyparquet(-writer)?/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!hyparquet(-writer)?/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/quiet-logs.setup.ts'],
};

// The chaos project (kill -9 of every service, broker restarts, trigger storms) is slow: it runs
// with `npm run test:chaos`, which sets QUPERSYNC_CHAOS=1. Its fast cousins are in e2e.
const chaos = {
  ...common,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    ...(process.env.QUPERSYNC_CHAOS === '1' ? [chaos] : []),
  ],
};
