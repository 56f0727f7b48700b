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
    // (services/common/grpc/tls.ts; bin/spawn.ts passes both settings below on to the processes tests start).
    // test/integration/tls.test.ts and the CLI e2e test run mTLS.
    // Brokers the suite starts do not shed on event-loop lag, nor on the deadline budget that the
    // lag is taken from: with many meshes on two cores a broker's loop lags often (a CI run saw
    // a sustained 145 ms lag shed a 150 ms decision), and shed decisions (house ads, nothing reserved) would fail tests
    // about something else. Shedding has its own tests (test/unit/broker/admission.test.ts,
    // test/unit/broker/server.test.ts) and `npm run loadtest`.
    env: { PARLEY_PLAINTEXT: '1', PARLEY_SHED_MAX_LAG_MS: '0', PARLEY_SHED_MIN_BUDGET_MS: '0' },
  },
});
