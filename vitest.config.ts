import { defineConfig } from 'vitest/config';

/**
 * Tests that compare latencies under load with latencies without: they run after every other file, one at a time,
 * so that no other test's load lands in one of their phases and not in the other.
 */
const ALONE = ['edge/gateway/flood.int.test.ts'];

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'web/dist/**'],
    globalSetup: ['infra/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'together',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'web/dist/**', ...ALONE],
          // Integration tests share two cores with the services they talk to.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
