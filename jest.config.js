// Unit tests (`*.test.ts`) sit beside the code and need nothing running; integration tests
// (`*.int.test.ts`) run against the real PostgreSQL and RabbitMQ, one file at a time.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = {
  transform,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/jest.setup.js'],
  testPathIgnorePatterns: ['/node_modules/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/**/*.int.test.ts'], setupFilesAfterEnv: ['<rootDir>/jest.integration.js'], slowTestThreshold: 30 },
  ],
};
