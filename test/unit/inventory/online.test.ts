import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/common/config';
import { createLogger } from '../../../services/common/log';
import { startOnlineLearning } from '../../../services/inventory/online';
import { baselinePolicy, POLICY_FEATURE_COUNT, PolicyHolder } from '../../../services/inventory/policy';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog, type OutcomeEntry } from '../../../services/objective/outcome-log';

const log = createLogger('online-test', 'error');

const outcome = (requestId: string, event: OutcomeEntry['event']): OutcomeEntry => ({
  idempotencyKey: `${requestId}:${event}`,
  requestId,
  reservationId: '',
  creativeId: 'cr-1',
  campaignId: '',
  sessionId: 's',
  event,
  skipOffsetMs: 0,
  occurredAtMs: 1,
});

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("the inventory agent's online learning", () => {
  it('reads only outcomes that come after it starts, and leaves its consumer group when it stops', async () => {
    const outcomes = new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
      idempotencyTtlMs: 1e9,
      maxLen: 1000,
    });
    await outcomes.record(outcome('before', 'skip'), 1);
    const online = startOnlineLearning({
      config: loadConfig({ PARLEY_ONLINE_GROUP: 'inv-1' }),
      log,
      holder: new PolicyHolder(baselinePolicy()),
      feed: outcomes,
      idleMs: 5,
    });
    const x = new Float32Array(POLICY_FEATURE_COUNT).fill(0.5);
    online.remember('before', 'cr-1', x);
    online.remember('after', 'cr-1', x);
    // The group exists once the first read ran; only the later outcome is joined.
    await new Promise((r) => setTimeout(r, 30));
    await outcomes.record(outcome('after', 'complete'), 2);
    await until(() => online.learner.examplesSeen === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(online.learner.examplesSeen).toBe(1);
    await online.close();
    expect(await outcomes.leaveGroup('inv-1')).toBe(false);
  });
});
