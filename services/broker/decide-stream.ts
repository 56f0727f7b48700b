/**
 * AdDecision.DecideStream: many decisions over one long-lived stream. Each
 * request of an incoming DecideRequests runs through the very handler the
 * unary Decide uses (the `unary` adapter: its span, its metric, its error
 * mapping), so a decision is the same either way: idempotent per request
 * id, shed under load, logged, explained. Its result (the response, or the
 * status Decide would have ended with) leaves as soon as it is ready,
 * gathered with the other results of the same turn of the event loop into
 * one DecideResults. A failing request never ends the stream; bytes that are
 * not DecideRequests do (INVALID_ARGUMENT), as on the agent bus.
 *
 * Why a stream: a unary call costs client and server together about six
 * times what one call on an open coalescing stream does (bench/ANALYSIS.md,
 * section 14), and a decision is one call.
 */
import * as grpc from '@grpc/grpc-js';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideRequests__Output } from '../../proto/gen/parley/v1/DecideRequests';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { DecideResult } from '../../proto/gen/parley/v1/DecideResult';
import type { DecideResults } from '../../proto/gen/parley/v1/DecideResults';
import { ReplyStream } from '../common/grpc/coalescer';
import { messageOf, RpcError } from '../common/grpc/errors';
import { UndecodableMessage } from '../common/grpc/server';
import type { Logger } from '../common/log';

/** Most requests one DecideRequests may carry. */
export const MAX_STREAM_BATCH = 500;

/** A decision's trace starts with it, not with the stream's (its metadata is not passed on). */
const NO_METADATA = new grpc.Metadata();

export function decideStream(
  decide: grpc.handleUnaryCall<DecideRequest__Output, DecideResponse>,
  log: Logger,
): grpc.handleBidiStreamingCall<DecideRequests__Output, DecideResults> {
  return (stream) => {
    const results = new ReplyStream<DecideResult, DecideResults>(stream, (results) => ({ results }));
    const run = (request: DecideRequest__Output) => {
      results.begin();
      // What the unary adapter reads of a call: the stream's peer, identity and deadline.
      const call = {
        request,
        metadata: NO_METADATA,
        getHost: () => stream.getHost(),
        getPeer: () => stream.getPeer(),
        getDeadline: () => stream.getDeadline(),
        getAuthContext: () => stream.getAuthContext(),
      } as unknown as grpc.ServerUnaryCall<DecideRequest__Output, DecideResponse>;
      decide(call, (err, response) => {
        const request_id = request.request_id;
        if (err || !response) {
          results.answer({
            request_id,
            status_code: err?.code ?? grpc.status.UNKNOWN,
            status_message: err?.details ?? messageOf(err),
          });
        } else results.answer({ request_id, response, status_code: grpc.status.OK });
      });
    };
    stream.on('data', (msg: DecideRequests__Output | UndecodableMessage) => {
      // A stream that sends bytes that are not DecideRequests is broken: end it, naming why.
      if (msg instanceof UndecodableMessage) stream.emit('error', msg.error());
      else if (msg.requests.length > MAX_STREAM_BATCH)
        stream.emit(
          'error',
          new RpcError(grpc.status.INVALID_ARGUMENT, `requests: at most ${MAX_STREAM_BATCH} per message`),
        );
      else for (const request of msg.requests) run(request);
    });
    stream.on('end', () => results.finish());
    stream.on('error', (err) => log.debug('decide stream error', { error: messageOf(err) }));
  };
}
