import { defineConfig } from 'vitest/config';

// The README's screenshots (npm run screenshots): test/e2e/shots/, not part of the test suites.
export default defineConfig({
  test: {
    include: ['test/e2e/shots/**/*.shots.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
    reporters: ['default'],
  },
});
