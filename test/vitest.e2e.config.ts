import { defineConfig } from 'vitest/config';

// End-to-end tests: the built app (dist/) in browser mode, driven through Debian's Chromium by
// playwright-core. `npm run test:e2e` builds first. Screenshots land in test-results/e2e/.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['default'],
  },
});
