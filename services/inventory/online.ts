/**
 * Online learning inside the running inventory agent (config.online): every
 * proposed candidate's policy features are remembered, the objective agent's
 * outcome log is read through this replica's consumer group, and the guarded
 * learner (learning/online.ts: bounded steps, holdout check, rollback)
 * hot-swaps each accepted version into the agent's PolicyHolder.
 */
import { hostname } from 'node:os';
import { consumeOutcomes, OnlineLearner } from '../../learning/online';
import type { Config } from '../common/config';
import { loggedAtMs, type OutcomeFeed } from '../common/domain/outcomes';
import { messageOf } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import { outcomeConsumerMetrics, recordOnlineStep } from '../common/metrics';
import { agentsWithRole, channelTarget } from '../common/registry';
import { RemoteOutcomeFeed } from './outcome-feed';
import { BASELINE_WEIGHTS, LogisticPolicy, type PolicyHolder } from './policy';

/** The outcome log is the committer's (the agent that settles spend when outcomes are reported). */
function outcomeLogAddress(config: Config): string {
  const committer = agentsWithRole(config.agents, 'committer')[0];
  if (!committer)
    throw new Error('online learning needs a committer in the agent registry (its outcome log)');
  return channelTarget(committer.address);
}

/** Failing to read the outcome log is logged as a warning once it lasts this long. */
const WARN_AFTER_MS = 10_000;

export interface OnlineLearning {
  learner: OnlineLearner;
  /** For InventoryAgentOptions.remember. */
  remember(requestId: string, creativeId: string, features: Float32Array): void;
  /** Stops reading and waits for the loop to end. */
  close(): Promise<void>;
}

export function startOnlineLearning({
  config,
  log,
  holder,
  feed = new RemoteOutcomeFeed(outcomeLogAddress(config)),
  idleMs,
}: {
  config: Config;
  log: Logger;
  holder: PolicyHolder;
  /** The outcome log to read; defaults to the objective agent's over gRPC. */
  feed?: OutcomeFeed & { close?(): void };
  idleMs?: number;
}): OnlineLearning {
  const inUse = holder.current();
  const learner =
    inUse instanceof LogisticPolicy
      ? new OnlineLearner(inUse.weights, inUse.version)
      : new OnlineLearner(BASELINE_WEIGHTS, inUse.version);
  const abort = new AbortController();
  // Each read shows how far behind the log this group is (parley_outcome_log_consumer_lag_seconds).
  const consumer = outcomeConsumerMetrics(config.online.group);
  const measured: OutcomeFeed = {
    async readGroup(group, name, count, from) {
      const entries = await feed.readGroup(group, name, count, from);
      consumer.read(entries.map((e) => loggedAtMs(e.id)).filter(Number.isFinite));
      return entries;
    },
    ack: (group, ids) => feed.ack(group, ids),
    leaveGroup: (group) => feed.leaveGroup(group),
  };
  // The objective agent may simply not be up yet (a mesh starting): say so only when it lasts.
  let failingSince: number | null = null;
  let warned = false;
  const loop = consumeOutcomes({
    feed: measured,
    group: config.online.group,
    consumer: `${hostname()}-${process.pid}`,
    // Outcomes of decisions proposed before this process started cannot be joined: skip them.
    from: 'newest',
    learner,
    holder,
    idleMs,
    signal: abort.signal,
    onStep: (r) => {
      const result = r.kind === 'rolled-back' ? 'rolled_back' : r.kind;
      recordOnlineStep(result, r.holdoutLoss);
      if (r.kind === 'accepted') log.debug('online learning step accepted', { ...r });
      else if (r.kind === 'rolled-back') log.warn('online learning rolled back', { to: r.version, ...r });
      else log.debug('online learning step rejected by the holdout check', { ...r });
    },
    onError: (err, failures) => {
      const now = Date.now();
      failingSince ??= now;
      if (!warned && now - failingSince >= WARN_AFTER_MS) {
        warned = true;
        log.warn('online learning: cannot read the outcome log; retrying', {
          failures,
          error: messageOf(err),
        });
      } else log.debug('online learning: outcome log not readable yet', { failures, error: messageOf(err) });
    },
    onRecovered: (failures) => {
      if (warned) log.info('online learning: outcome log readable again', { failures });
      failingSince = null;
      warned = false;
    },
  }).catch((err) => log.error('online learning stopped', { error: messageOf(err) }));
  log.info('online learning on', { group: config.online.group, from: learner.version });
  return {
    learner,
    remember: (requestId, creativeId, features) => learner.rememberDecision(requestId, creativeId, features),
    async close() {
      abort.abort();
      await loop;
      // Its remembered features die with the process, so its group has no use after it.
      await feed
        .leaveGroup(config.online.group)
        .catch((err) => log.debug('online learning: could not leave the group', { error: messageOf(err) }));
      feed.close?.();
    },
  };
}
