/**
 * The outcome log as the inventory agent's online learner reads it: the
 * objective agent owns the log (embedded or Redis) and serves its consumer
 * groups over ReadOutcomes / AckOutcomes, so the learner works the same with
 * either state adapter and never touches the objective agent's store.
 */
import * as grpc from '@grpc/grpc-js';
import type { AckOutcomesReply__Output } from '../../proto/gen/parley/v1/AckOutcomesReply';
import type { AckOutcomesRequest } from '../../proto/gen/parley/v1/AckOutcomesRequest';
import type { LeaveOutcomesReply__Output } from '../../proto/gen/parley/v1/LeaveOutcomesReply';
import type { LeaveOutcomesRequest } from '../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { OutcomeBatch__Output } from '../../proto/gen/parley/v1/OutcomeBatch';
import type { ReadOutcomesRequest } from '../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { FeedEntry, GroupStart, OutcomeFeed } from '../common/domain/outcomes';
import { callUnary } from '../common/grpc/client';
import { messageOf, RpcError } from '../common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { channelCredentials } from '../common/grpc/tls';
import { MAX_FEED_ENTRIES, outcomeBatchFromWire } from '../common/wire/objective';

const READ = `${SERVICE_NAMES.objective}/ReadOutcomes`;
const ACK = `${SERVICE_NAMES.objective}/AckOutcomes`;
const LEAVE = `${SERVICE_NAMES.objective}/LeaveOutcomes`;

export class RemoteOutcomeFeed implements OutcomeFeed {
  private readonly client: InstanceType<typeof v1.ObjectiveAgent>;

  constructor(
    objectiveAddress: string,
    private readonly timeoutMs = 2_000,
  ) {
    this.client = new v1.ObjectiveAgent(objectiveAddress, channelCredentials());
  }

  async readGroup(
    group: string,
    consumer: string,
    count: number,
    from: GroupStart = 'oldest',
  ): Promise<FeedEntry[]> {
    const batch = await callUnary<ReadOutcomesRequest, OutcomeBatch__Output>(
      READ,
      this.client.ReadOutcomes.bind(this.client),
      { group, consumer, max_entries: Math.min(count, MAX_FEED_ENTRIES), from_newest: from === 'newest' },
      this.timeoutMs,
      { traced: false },
    );
    try {
      return outcomeBatchFromWire(batch);
    } catch (err) {
      throw new RpcError(
        grpc.status.INTERNAL,
        `objective agent sent a malformed outcome batch: ${messageOf(err)}`,
      );
    }
  }

  async ack(group: string, ids: string[]): Promise<number> {
    let acknowledged = 0;
    for (let i = 0; i < ids.length; i += MAX_FEED_ENTRIES) {
      const reply = await callUnary<AckOutcomesRequest, AckOutcomesReply__Output>(
        ACK,
        this.client.AckOutcomes.bind(this.client),
        { group, ids: ids.slice(i, i + MAX_FEED_ENTRIES) },
        this.timeoutMs,
        { traced: false },
      );
      acknowledged += reply.acknowledged;
    }
    return acknowledged;
  }

  async leaveGroup(group: string): Promise<boolean> {
    const reply = await callUnary<LeaveOutcomesRequest, LeaveOutcomesReply__Output>(
      LEAVE,
      this.client.LeaveOutcomes.bind(this.client),
      { group },
      this.timeoutMs,
      { traced: false },
    );
    return reply.existed;
  }

  close(): void {
    this.client.close();
  }
}
