/**
 * Jest: suites run in parallel on two workers. globalSetup installs the Temporal tools and starts the one dev server
 * the suites share (each in its own namespace); suites about a server's own life, and time-skipping suites, start
 * their own on leased ports (src/dev/ports.ts). See test/support/temporal.ts.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }],
    // jose 6 ships only ES modules and jest runs CommonJS: transpile its files to CommonJS (syntax only, no type check).
    '/node_modules/jose/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['<rootDir>/test/support/suite-times-reporter.js', 'default'],
  testTimeout: 120_000,
  maxWorkers: 2,
};
