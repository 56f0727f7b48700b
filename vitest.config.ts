import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real processes and a real redis-server: keep
    // files in parallel but bounded on a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
