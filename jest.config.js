// ESM mode (client-node is ESM-only): run through `node --experimental-vm-modules`; @swc/jest strips
// types and `tsc --noEmit` type-checks separately.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Timeouts per project live there: Jest ignores `testTimeout` in a project's config.
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeouts.ts'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/integration/cluster/'],
    },
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/integration/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/jest-global-teardown.ts',
    },
    {
      // #10: the product as real pods on a real node (kubelet + containerd) in a network namespace; root only.
      ...common,
      displayName: 'real-node',
      testMatch: ['<rootDir>/test/e2e/real-node/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/real-node-global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/real-node-global-teardown.ts',
    },
  ],
};
