const { swcOptions } = require('./scripts/swc-options');

const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcOptions(), swcrc: false }] };
const common = {
  transform,
  // NestJS 12 ships ESM only, and so do otplib's @scure/@noble dependencies: transform them to CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@scure|@noble)/)'],
  moduleNameMapper: {
    '^@app/(contracts|domain|db|carriers|temporal|config|messaging|lifecycle|smpp|egress|logging|crypto)$': '<rootDir>/libs/$1/src',
  },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  // Integration tests boot real servers; unit tests finish far below this.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,activities,workflows,bench}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,activities,workflows}/**/*.int.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
