/**
 * The broker's gRPC clients of the admin service (embedded mode, no Redis):
 * the RecordDecisions stream the decision log writes to, and the
 * WatchOverrides stream overrides come from. The rest of the decision log
 * (decision-log.ts) and of overrides (overrides.ts) knows only their ports.
 */
import * as grpc from '@grpc/grpc-js';
import type { OverrideSet__Output } from '../../proto/gen/parley/v1/OverrideSet';
import type { RecordDecisionsAck__Output } from '../../proto/gen/parley/v1/RecordDecisionsAck';
import { type Override, overrideFromWire } from '../common/domain/overrides';
import { messageOf } from '../common/grpc/errors';
import { v1 } from '../common/grpc/proto';
import { channelCredentials } from '../common/grpc/tls';
import type { Logger } from '../common/log';
import type { DecisionSink } from './decision-log';
import { ActiveOverrides, type OverrideSource } from './overrides';

const RECORD_DECISIONS = v1.Admin.service.RecordDecisions;
/** The records are encoded already: the stream sends their bytes as they are. */
const asEncoded = (bytes: Buffer): Buffer => bytes;

/** What ends a write's wait for back-pressure: 'status' also covers a call that ends without an error. */
const WAKING_EVENTS = ['drain', 'error', 'status'] as const;

/**
 * Embedded mode: the admin service's RecordDecisions client stream, opened
 * on first use and again after it breaks (not more than once a second).
 */
export function adminSink(address: string): DecisionSink {
  const client = new grpc.Client(address, channelCredentials());
  let call: grpc.ClientWritableStream<Buffer> | null = null;
  let brokenAt = 0;
  let closed = false;
  /** Ends a write's wait for back-pressure (set while one waits). */
  let wake: (() => void) | null = null;
  const open = (): grpc.ClientWritableStream<Buffer> | null => {
    if (call) return call;
    if (closed || Date.now() - brokenAt < 1000) return null;
    const c = client.makeClientStreamRequest<Buffer, RecordDecisionsAck__Output>(
      RECORD_DECISIONS.path,
      asEncoded,
      RECORD_DECISIONS.responseDeserialize,
      (err: grpc.ServiceError | null) => {
        if (err && call === c) {
          call = null;
          brokenAt = Date.now();
        }
      },
    );
    call = c;
    return c;
  };
  return {
    async write(records) {
      const c = open();
      if (!c) throw new Error(`the admin service at ${address} is unavailable`);
      let ok = true;
      for (const r of records) ok = c.write(r.bytes) && ok;
      if (!ok) {
        // Back-pressure: wait for the stream to drain, end, break or be closed before the next batch.
        await new Promise<void>((resolve) => {
          const done = () => {
            for (const event of WAKING_EVENTS) c.off(event, done);
            wake = null;
            resolve();
          };
          wake = done;
          for (const event of WAKING_EVENTS) c.on(event, done);
        });
      }
    },
    close() {
      closed = true;
      wake?.();
      call?.end();
      call = null;
      client.close();
    },
  };
}

export const WATCH_BACKOFF_MS = { first: 200, max: 5000 } as const;

/** Watches the admin service's WatchOverrides stream, reconnecting with backoff. */
export function adminOverrideSource(address: string, brokerName: string, log: Logger): OverrideSource {
  const client = new v1.Admin(address, channelCredentials());
  let current = ActiveOverrides.EMPTY;
  let closed = false;
  let call: grpc.ClientReadableStream<OverrideSet__Output> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let backoff: number = WATCH_BACKOFF_MS.first;
  let warned = false;
  let settle: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const open = () => {
    if (closed) return;
    const c = client.WatchOverrides({ broker: brokerName });
    call = c;
    c.on('data', (set: OverrideSet__Output) => {
      const list = set.overrides.map(overrideFromWire).filter((o): o is Override => o !== null);
      current = new ActiveOverrides(list, set.version);
      backoff = WATCH_BACKOFF_MS.first;
      if (warned) log.info('override watch restored', { address, version: set.version });
      warned = false;
      settle();
    });
    c.on('error', (err: Error) => {
      if (closed || call !== c) return;
      if (!warned) {
        log.warn('override watch lost; keeping the last set and retrying', {
          address,
          error: messageOf(err),
        });
        warned = true;
      }
      settle();
      retry();
    });
    c.on('end', () => {
      if (!closed && call === c) retry();
    });
  };
  const retry = () => {
    if (closed || timer) return;
    call = null;
    timer = setTimeout(() => {
      timer = null;
      open();
    }, backoff);
    timer.unref();
    backoff = Math.min(WATCH_BACKOFF_MS.max, backoff * 2);
  };
  open();
  return {
    current: () => current,
    ready,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      call?.cancel();
      client.close();
      settle();
    },
  };
}
