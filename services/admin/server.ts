/**
 * The admin service process: the parley.v1.Admin gRPC service (thin handlers
 * over AdminService), the dashboard and its HTTP API (http.ts), and the
 * status sampler behind the dashboard's charts. State is embedded or Redis,
 * chosen by config.redisUrl like every other service.
 *
 * gRPC reads (lists, the decision log, the brokers' watch and record streams)
 * are for the cluster's own services, like the agents' ports; a change
 * (CreateOverride, DeleteOverride) needs an editor token in the
 * `authorization: Bearer <token>` metadata.
 */
import type { Server } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { AdminHandlers } from '../../proto/gen/parley/v1/Admin';
import type { AuditLog } from '../../proto/gen/parley/v1/AuditLog';
import type { CreateOverrideRequest__Output } from '../../proto/gen/parley/v1/CreateOverrideRequest';
import type { DecisionList } from '../../proto/gen/parley/v1/DecisionList';
import type { DecisionRecord } from '../../proto/gen/parley/v1/DecisionRecord';
import type { DeleteOverrideRequest__Output } from '../../proto/gen/parley/v1/DeleteOverrideRequest';
import type { GetDecisionRequest__Output } from '../../proto/gen/parley/v1/GetDecisionRequest';
import type { ListAuditRequest__Output } from '../../proto/gen/parley/v1/ListAuditRequest';
import type { ListDecisionsRequest__Output } from '../../proto/gen/parley/v1/ListDecisionsRequest';
import type { ListOverridesRequest__Output } from '../../proto/gen/parley/v1/ListOverridesRequest';
import type { Override } from '../../proto/gen/parley/v1/Override';
import type { OverrideSet } from '../../proto/gen/parley/v1/OverrideSet';
import type { RecordDecisionsAck } from '../../proto/gen/parley/v1/RecordDecisionsAck';
import { watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import { OVERRIDE_KINDS } from '../common/domain/overrides';
import { invalidArgument, messageOf, RpcError } from '../common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import {
  type CallContext,
  MAX_SEND_BYTES,
  type RunningService,
  startServer,
  UndecodableMessage,
  unary,
} from '../common/grpc/server';
import type { Logger } from '../common/log';
import { decisionRecordCounters, observeOverrides } from '../common/metrics';
import { agentsWithRole } from '../common/registry';
import {
  type DecisionLog,
  EmbeddedDecisionLog,
  type EncodedDecision,
  encodeDecision,
  wholeRecordId,
} from '../common/state/decisions';
import { RedisDecisionLog } from '../common/state/decisions-redis';
import { EmbeddedOverrideStore, type OverrideStore } from '../common/state/overrides';
import { RedisOverrideStore } from '../common/state/overrides-redis';
import { createRedis } from '../common/state/redis';
import {
  type Principal,
  type SignInGuard,
  SignInRefused,
  SignIns,
  type TokenGrant,
  TokenTable,
} from './auth';
import { httpHandler, startHttp } from './http';
import { auditToWire, overrideInputFromWire, overrideToWire, wireField } from './model';
import { Sampler } from './sampler';
import { AdminService } from './service';

export const SAMPLE_INTERVAL_MS = 5000;
const RECORD_BATCH = 200;

/** What a DecisionList may hold: the send limit, less room for framing. */
export const MAX_LIST_BYTES = MAX_SEND_BYTES - 16 * 1024;

/**
 * The newest records (they come newest first) that fit in one DecisionList:
 * a long list of large records would otherwise fail as a whole with
 * RESOURCE_EXHAUSTED. Each costs its bytes plus its field's tag and length.
 */
export function newestThatFit<T extends DecisionRecord>(records: T[], maxBytes = MAX_LIST_BYTES): T[] {
  let used = 0;
  for (const [i, r] of records.entries()) {
    used += encodeDecision(r).bytes.length + 6;
    if (used > maxBytes) return records.slice(0, i);
  }
  return records;
}

/** The caller's host, from a gRPC peer (`ipv4:1.2.3.4:567`, `ipv6:[::1]:567`, `1.2.3.4:567`). */
export function peerHost(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  return bare.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

function principalOf(signIns: SignIns, ctx: CallContext): Principal {
  const raw = ctx.metadata.get('authorization')[0];
  try {
    return signIns.check(
      peerHost(ctx.peer?.() ?? 'unknown'),
      TokenTable.bearer(typeof raw === 'string' ? raw : raw?.toString()),
    );
  } catch (err) {
    if (!(err instanceof SignInRefused)) throw err;
    if (err.retryAfterMs > 0)
      throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, `authorization: ${err.message}`);
    throw new RpcError(grpc.status.UNAUTHENTICATED, 'authorization: a valid editor token is required');
  }
}

async function overrideSet(service: AdminService): Promise<OverrideSet> {
  const snap = await service.listOverrides(false);
  return { overrides: snap.overrides.map(overrideToWire), version: snap.version };
}

/**
 * The Admin service as this server runs it: RecordDecisions hands its
 * handler each record's bytes as they came (the decision log stores them
 * encoded, readers decode them); the handler decodes each once only to
 * check it (wholeRecordId), and stores the bytes it got.
 */
export const ADMIN_SERVICE: grpc.ServiceDefinition = {
  ...v1.Admin.service,
  RecordDecisions: { ...v1.Admin.service.RecordDecisions, requestDeserialize: (bytes: Buffer) => bytes },
};

/** The generated AdminHandlers (its named methods), with RecordDecisions taking bytes (see ADMIN_SERVICE). */
export type AdminServerHandlers = {
  [K in keyof AdminHandlers as string extends K ? never : K]: K extends 'RecordDecisions'
    ? grpc.handleClientStreamingCall<Buffer, RecordDecisionsAck>
    : AdminHandlers[K];
};

export function adminHandlers(
  service: AdminService,
  tokens: TokenTable,
  log: Logger,
  guard?: SignInGuard,
  /** Collects a way to end each open stream (override watches, decision streams) when the server stops. */
  streams: Set<() => void> = new Set(),
): AdminServerHandlers {
  const signIns = new SignIns(tokens, log, guard);
  const S = SERVICE_NAMES.admin;
  const records = decisionRecordCounters();
  return {
    ListOverrides: unary<ListOverridesRequest__Output, OverrideSet>(
      `${S}/ListOverrides`,
      async (req) => {
        const snap = await service.listOverrides(req.include_expired);
        return { overrides: snap.overrides.map(overrideToWire), version: snap.version };
      },
      log,
    ),
    CreateOverride: unary<CreateOverrideRequest__Output, Override>(
      `${S}/CreateOverride`,
      async (req, ctx) => {
        const who = principalOf(signIns, ctx);
        const raw = overrideInputFromWire(req.override);
        if (!raw) throw invalidArgument('override', 'required');
        const o = await service.createOverride(who, raw, wireField('override.'));
        log.info('override created', { id: o.id, by: who.name, via: 'grpc' });
        return overrideToWire(o);
      },
      log,
    ),
    DeleteOverride: unary<DeleteOverrideRequest__Output, Override>(
      `${S}/DeleteOverride`,
      async (req, ctx) => {
        const who = principalOf(signIns, ctx);
        const o = await service.deleteOverride(who, req.id, req.reason, wireField(''));
        log.info('override deleted', { id: o.id, by: who.name, via: 'grpc' });
        return overrideToWire(o);
      },
      log,
    ),
    ListAudit: unary<ListAuditRequest__Output, AuditLog>(
      `${S}/ListAudit`,
      async (req) => ({ entries: (await service.audit(req.limit)).map(auditToWire) }),
      log,
    ),
    GetDecision: unary<GetDecisionRequest__Output, DecisionRecord>(
      `${S}/GetDecision`,
      async (req) => service.getDecision(req.request_id),
      log,
    ),
    ListDecisions: unary<ListDecisionsRequest__Output, DecisionList>(
      `${S}/ListDecisions`,
      async (req) => ({ decisions: newestThatFit(await service.listDecisions(req.limit)) }),
      log,
    ),

    // The whole active set now and after every change (coalesced: a burst of
    // changes sends the latest set, never a stale one after a newer one).
    WatchOverrides(call) {
      const request: unknown = call.request;
      if (request instanceof UndecodableMessage) {
        call.emit('error', request.error());
        return;
      }
      let sending = false;
      let again = false;
      let done = false;
      const push = async () => {
        if (sending) {
          again = true;
          return;
        }
        sending = true;
        try {
          do {
            again = false;
            const set = await overrideSet(service);
            if (!done) call.write(set);
          } while (again && !done);
        } catch (err) {
          log.warn('override watch: could not read the overrides', { error: messageOf(err) });
        } finally {
          sending = false;
        }
      };
      const unsubscribe = service.store.subscribe(() => void push());
      const stop = () => {
        done = true;
        unsubscribe();
        streams.delete(drain);
      };
      // Stopping: the watch ends (OK) and the broker watches again, here once restarted or elsewhere.
      const drain = () => {
        stop();
        call.end();
      };
      streams.add(drain);
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
      log.info('broker watching overrides', { broker: call.request.broker });
      void push();
    },

    RecordDecisions(call, callback) {
      let received = 0;
      let malformed = 0;
      let pending: EncodedDecision[] = [];
      let writing: Promise<void> = Promise.resolve();
      const flush = () => {
        if (pending.length === 0) return;
        const batch = pending;
        pending = [];
        writing = writing
          .then(() => service.recordDecisions(batch))
          .catch((err) => log.warn('could not store decision records', { error: messageOf(err) }));
      };
      call.on('data', (bytes: Buffer) => {
        received++;
        let requestId: string;
        try {
          requestId = wholeRecordId(bytes);
          if (!requestId) throw new Error('not a decision record: no request_id');
        } catch (err) {
          records.malformed.add(1);
          if (malformed++ === 0) log.warn('dropped a malformed decision record', { error: messageOf(err) });
          return;
        }
        records.accepted.add(1);
        pending.push({ requestId, bytes });
        if (pending.length >= RECORD_BATCH) flush();
        else if (pending.length === 1) setImmediate(flush);
      });
      let answered = false;
      /** Stores what came, then acknowledges it and ends the call (once). */
      const finish = () => {
        streams.delete(finish);
        if (answered) return;
        answered = true;
        flush();
        void writing.then(() => callback(null, { received, dropped: malformed }));
      };
      // Stopping: what came is stored and acknowledged; the broker opens a new stream for the rest.
      streams.add(finish);
      call.on('end', finish);
      call.on('error', () => {
        streams.delete(finish);
        flush();
      });
    },
  };
}

export interface AdminState {
  kind: 'embedded' | 'redis';
  store: OverrideStore;
  decisions: DecisionLog;
  close(): Promise<void>;
}

export function createAdminState(config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'admin'>): AdminState {
  if (!config.redisUrl) {
    return {
      kind: 'embedded',
      store: new EmbeddedOverrideStore(config.admin.overridesJournal || undefined),
      decisions: new EmbeddedDecisionLog(config.admin.decisionLogSize),
      close: async () => undefined,
    };
  }
  const redis = createRedis(config.redisUrl);
  const store = new RedisOverrideStore(redis, config.redisPrefix);
  return {
    kind: 'redis',
    store,
    decisions: new RedisDecisionLog(redis, config.redisPrefix, config.admin.decisionLogSize),
    close: async () => {
      await store.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export interface RunningAdmin extends RunningService {
  /** The dashboard, e.g. http://127.0.0.1:8055/ */
  url: string;
  httpPort: number;
  /** The sign-in tokens in force (the generated ones in dev mode). */
  grants: TokenGrant[];
  service: AdminService;
  sampler: Sampler;
}

export async function startAdmin({
  config,
  log,
  signIns,
}: {
  config: Config;
  log: Logger;
  /** Limits failed sign-ins per client address, over gRPC and HTTP alike (default: SIGN_IN_LIMIT). */
  signIns?: SignInGuard;
}): Promise<RunningAdmin> {
  const { table: tokens, grants } = TokenTable.fromSpec(config.admin.tokens);
  // Override targets are checked against the catalogue the agents serve (reloaded when it changes).
  const catalogue = watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  const state = createAdminState(config);
  const service = new AdminService({ store: state.store, decisions: state.decisions, catalogue });
  const sampler = new Sampler({
    agents: { ...config.addresses },
    // Campaign pacing comes from the committer (the agent that holds the budgets).
    objectiveAddress: agentsWithRole(config.agents, 'committer')[0]?.address ?? '',
    intervalMs: SAMPLE_INTERVAL_MS,
    log,
  });
  let grpcServer: Awaited<ReturnType<typeof startServer>> | null = null;
  let http: Server | null = null;
  const streams = new Set<() => void>();
  try {
    grpcServer = await startServer({
      host: config.host,
      port: config.ports.admin,
      serviceNames: [SERVICE_NAMES.admin],
      services: [[ADMIN_SERVICE, adminHandlers(service, tokens, log, signIns, streams)]],
      log,
      rateLimit: config.rateLimit,
    });
    http = await startHttp(
      config.host,
      config.admin.httpPort,
      httpHandler({
        service,
        tokens,
        history: sampler.history,
        log,
        signIns,
        currency: config.admin.currency,
      }),
    );
  } catch (err) {
    await grpcServer?.shutdown();
    await state.close();
    sampler.close();
    catalogue.close();
    throw err;
  }
  sampler.start();
  // Overrides in force, by kind, read from the store at each scrape.
  const stopOverrideGauge = observeOverrides(
    OVERRIDE_KINDS,
    async () => {
      const counts: Record<string, number> = {};
      for (const o of (await service.listOverrides()).overrides) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
      return counts;
    },
    log,
  );
  const addr = http.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.admin.httpPort;
  const url = `http://${config.host}:${httpPort}/`;
  log.info('admin listening', { address: grpcServer.address, dashboard: url, state: state.kind });
  if (tokens.generated) {
    log.warn('no PARLEY_ADMIN_TOKENS: made dev tokens for this run (set real ones outside a laptop)', {
      editor: grants[0]?.token,
      viewer: grants[1]?.token,
    });
  }
  const g = grpcServer;
  const h = http;
  return {
    name: 'admin',
    address: g.address,
    port: g.port,
    url,
    httpPort,
    grants,
    service,
    sampler,
    async close() {
      stopOverrideGauge();
      sampler.close();
      await new Promise<void>((resolve) => {
        h.close(() => resolve());
        h.closeAllConnections();
      });
      for (const drain of [...streams]) drain();
      await g.shutdown();
      await state.close();
      catalogue.close();
    },
  };
}
