/**
 * `parley explain <request-id> [--admin host:port] [--json]`: asks the admin
 * service for a decision's record and prints why the ad won and why the
 * runners-up lost (`--json`: {explanation, record} for machines).
 */
import * as grpc from '@grpc/grpc-js';
import type { DecisionRecord__Output } from '../proto/gen/parley/v1/DecisionRecord';
import { explain, explainText } from '../services/admin/explain';
import { v1 } from '../services/common/grpc/proto';
import { channelCredentials } from '../services/common/grpc/tls';

export async function fetchDecision(
  admin: string,
  requestId: string,
  timeoutMs = 5000,
): Promise<DecisionRecord__Output> {
  const client = new v1.Admin(admin, channelCredentials());
  try {
    return await new Promise<DecisionRecord__Output>((resolve, reject) => {
      client.GetDecision(
        { request_id: requestId },
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: DecisionRecord__Output) =>
          err || !res ? reject(err) : resolve(res),
      );
    });
  } finally {
    client.close();
  }
}

export async function explainDecision(
  requestId: string,
  opts: { admin: string; json: boolean },
): Promise<void> {
  let record: DecisionRecord__Output;
  try {
    record = await fetchDecision(opts.admin, requestId);
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (e?.code === grpc.status.NOT_FOUND) throw new Error(e.details);
    if (e?.code === grpc.status.UNAVAILABLE || e?.code === grpc.status.DEADLINE_EXCEEDED)
      throw new Error(
        `cannot reach the admin service at ${opts.admin}. Start the mesh (npm start), or pass --admin host:port.`,
      );
    throw new Error(`GetDecision failed: ${e?.details ?? String(err)}`);
  }
  if (opts.json)
    process.stdout.write(`${JSON.stringify({ explanation: explain(record), record }, null, 2)}\n`);
  else process.stdout.write(`${explainText(record).join('\n')}\n`);
}
