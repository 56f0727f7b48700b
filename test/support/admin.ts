/**
 * An admin service in the test's process: loopback, free ports, no metrics
 * endpoint, the given sign-in tokens (and sign-in guard, and any other
 * settings in `env`, e.g. REDIS_URL for Redis state).
 */
import type { SignInGuard } from '../../services/admin/auth';
import { type RunningAdmin, startAdmin } from '../../services/admin/server';
import { loadConfig } from '../../services/common/config';
import type { Logger } from '../../services/common/log';

export function startTestAdmin(
  log: Logger,
  tokens: string,
  signIns?: SignInGuard,
  env: Record<string, string> = {},
): Promise<RunningAdmin> {
  return startAdmin({
    config: loadConfig({
      PARLEY_HOST: '127.0.0.1',
      PARLEY_ADMIN_PORT: '0',
      PARLEY_ADMIN_HTTP_PORT: '0',
      PARLEY_METRICS_PORT: 'off',
      PARLEY_ADMIN_TOKENS: tokens,
      ...env,
    }),
    log,
    signIns,
  });
}
