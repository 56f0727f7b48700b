/**
 * An admin service in the test's process: loopback, free ports, no metrics
 * endpoint, the given sign-in tokens (and sign-in guard, and any other
 * settings in `env`, e.g. REDIS_URL for Redis state).
 */
import type { SignInGuard } from '../../services/admin/auth';
import { type RunningAdmin, startAdmin } from '../../services/admin/server';
import { loadConfig } from '../../services/common/config';
import type { Logger } from '../../services/common/log';
import { encodeDecision } from '../../services/common/state/decisions';
import { decisionRecord } from './decision-record';

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

/** Advertisers of the sample catalogue (catalogue/sample.yaml) seedAdmin blocks. */
export const SEEDED_BLOCKS = ['stride', 'kaffa'];

/** Something for a test to lose: two advertiser blocks by an editor, and two decision records. */
export async function seedAdmin(admin: RunningAdmin): Promise<void> {
  const eve = { name: 'eve', role: 'editor' } as const;
  for (const id of SEEDED_BLOCKS)
    await admin.service.createOverride(eve, {
      kind: 'block',
      targetType: 'advertiser',
      targetId: id,
      reason: 'seed',
    });
  await admin.service.recordDecisions(['req-1', 'req-2'].map((id) => encodeDecision(decisionRecord(id))));
}
