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
    // Tests that are not about TLS run the mesh in plaintext, by explicit configuration
    // (services/common/grpc/tls.ts; bin/spawn.ts passes it on to the services tests start).
    // test/integration/tls.test.ts and the CLI e2e test run mTLS.
    env: { PARLEY_PLAINTEXT: '1' },
  },
});
