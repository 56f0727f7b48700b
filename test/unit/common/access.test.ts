/**
 * Who may call what (services/common/access.ts) and the per-caller token
 * bucket (services/common/rate-limit.ts), as plain functions: the gRPC edge
 * only asks them (test/integration/tls.test.ts runs it over mTLS).
 */
import { describe, expect, it } from 'vitest';
import { authorize, identityOf, requireSelf } from '../../../services/common/access';
import { DomainError } from '../../../services/common/errors';
import { parseRateLimit, RateLimiter } from '../../../services/common/rate-limit';

const as = (name: string, role: string) => identityOf({ CN: name, OU: role });

describe('authorize', () => {
  it('lets each role call its own services only', () => {
    const adServer = as('ads-1', 'ad-server');
    const service = as('broker', 'service');
    const flClient = as('fl-1', 'federated-client');
    const operator = as('alice', 'operator');
    const allowed = (who: typeof adServer, path: string) => authorize(who, path).allowed;
    expect(allowed(adServer, '/parley.v1.AdDecision/Decide')).toBe(true);
    expect(allowed(adServer, '/parley.v1.AdDecision/ReportOutcomes')).toBe(true);
    expect(allowed(service, '/parley.v1.AdDecision/Decide')).toBe(false);
    expect(allowed(flClient, '/parley.v1.AdDecision/Decide')).toBe(false);
    // Agents (any service not listed) take services only.
    expect(allowed(service, '/parley.v1.Agent/Negotiate')).toBe(true);
    expect(allowed(adServer, '/parley.v1.Agent/Negotiate')).toBe(false);
    expect(allowed(operator, '/parley.v1.ObjectiveAgent/ReadOutcomes')).toBe(false);
    // Brand-lift survey results: services and operators (parley brand-lift), not ad servers.
    expect(allowed(operator, '/parley.v1.ObjectiveAgent/ReportBrandLift')).toBe(true);
    expect(allowed(service, '/parley.v1.ObjectiveAgent/ReportBrandLift')).toBe(true);
    expect(allowed(adServer, '/parley.v1.ObjectiveAgent/ReportBrandLift')).toBe(false);
    expect(allowed(flClient, '/parley.v1.ObjectiveAgent/ReportBrandLift')).toBe(false);
    // The admin service: the broker and operators.
    expect(allowed(service, '/parley.v1.Admin/RecordDecisions')).toBe(true);
    expect(allowed(operator, '/parley.v1.Admin/GetDecision')).toBe(true);
    expect(allowed(adServer, '/parley.v1.Admin/ListOverrides')).toBe(false);
    // Federated: uploads from federated clients only, a round's status for anyone authenticated.
    expect(allowed(flClient, '/parley.v1.FederatedAggregator/UploadUpdate')).toBe(true);
    expect(allowed(operator, '/parley.v1.FederatedAggregator/UploadUpdate')).toBe(false);
    expect(allowed(operator, '/parley.v1.FederatedAggregator/RoundStatus')).toBe(true);
    // Health and reflection: anyone authenticated.
    expect(allowed(adServer, '/grpc.health.v1.Health/Check')).toBe(true);
  });

  it('says what is missing: no certificate → unauthenticated; a wrong or unknown role → permission denied', () => {
    expect(authorize(null, '/parley.v1.FederatedAggregator/RoundStatus')).toEqual({
      allowed: false,
      kind: 'unauthenticated',
      message:
        "/parley.v1.FederatedAggregator/RoundStatus: no client certificate; parley's gRPC APIs need a certificate from the mesh's CA",
    });
    expect(authorize(as('fl-1', 'federated-client'), '/parley.v1.AdDecision/Decide')).toEqual({
      allowed: false,
      kind: 'permission_denied',
      message: '/parley.v1.AdDecision/Decide: caller "fl-1" has role federated-client; needs ad-server',
    });
    expect(identityOf({ CN: 'x', OU: 'admin' })).toEqual({ name: 'x', role: null });
    expect(authorize(as('x', 'admin'), '/grpc.health.v1.Health/Check')).toMatchObject({
      kind: 'permission_denied',
      message: expect.stringContaining('has role (none: the certificate OU names no parley role)'),
    });
    expect(identityOf({ OU: 'service' })).toBeNull();
  });

  it('a federated client acts only under its own id; plaintext (no identity) has nothing to compare', () => {
    expect(() => requireSelf(as('fl-1', 'federated-client'), 'fl-1', 'client_id')).not.toThrow();
    const e = (() => {
      try {
        requireSelf(as('fl-1', 'federated-client'), 'fl-2', 'client_id');
      } catch (err) {
        return err as DomainError;
      }
    })();
    expect(e).toBeInstanceOf(DomainError);
    expect(e?.kind).toBe('permission_denied');
    expect(e?.message).toBe('client_id: "fl-2" is not the caller; the certificate says "fl-1"');
    expect(() => requireSelf(null, 'fl-2', 'client_id')).not.toThrow();
  });
});

describe('RateLimiter', () => {
  it('gives each caller its burst, then calls at its rate, and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 100 });
    expect(limiter.take('b').ok).toBe(true); // another caller, its own bucket
    now += 50;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 50 });
    now += 50;
    expect(limiter.take('a').ok).toBe(true);
    now += 10_000; // refills up to the burst, not beyond
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
  });

  it('PARLEY_RATE_LIMIT: off, N or N:BURST; anything else is refused naming the variable', () => {
    expect(parseRateLimit('off')).toBeNull();
    expect(parseRateLimit('50')).toEqual({ perSecond: 50, burst: 100 });
    expect(parseRateLimit('0.5:4')).toEqual({ perSecond: 0.5, burst: 4 });
    for (const bad of ['', '0', '-1', 'fast', '10:0', '10:x'])
      expect(() => parseRateLimit(bad), bad).toThrow(/^PARLEY_RATE_LIMIT: expected off, N/);
  });
});
