/**
 * Who may call what on the mesh: plain domain code, no transport. A caller is
 * the identity its client certificate names (CN = name, OU = role, made by
 * scripts/dev-certs.sh or your own CA); `authorize` maps an identity and a
 * gRPC method path to allow or deny. The grpc-js side (reading the peer
 * certificate, answering UNAUTHENTICATED / PERMISSION_DENIED) is
 * services/common/grpc/access.ts.
 */
import { DomainError } from './errors';

/** What a certificate's OU says its holder is. */
export const ROLES = ['service', 'ad-server', 'federated-client', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  /** The certificate's CN: a service name (broker, context, …), an ad server's or a federated client's id. */
  name: string;
  /** The certificate's OU; null when it names no parley role. */
  role: Role | null;
}

/** The identity in a certificate subject (`{ CN, OU }`, as Node's PeerCertificate has it). */
export function identityOf(
  subject: { CN?: string | string[]; OU?: string | string[] } | undefined,
): Identity | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const name = first(subject?.CN);
  if (!name) return null;
  const ou = first(subject?.OU);
  return { name, role: ROLES.includes(ou as Role) ? (ou as Role) : null };
}

/** Callers any authenticated identity may make (health checks, reflection, a round's status). */
const ANY_ROLE: readonly Role[] = ROLES;

/** The roles allowed on each gRPC service; a service not listed is an agent's (services only). */
const ROLES_BY_SERVICE: Record<string, readonly Role[]> = {
  'parley.v1.AdDecision': ['ad-server'],
  'parley.v1.Admin': ['service', 'operator'],
  'parley.v1.FederatedAggregator': ['federated-client'],
  'grpc.health.v1.Health': ANY_ROLE,
  'grpc.reflection.v1.ServerReflection': ANY_ROLE,
  'grpc.reflection.v1alpha.ServerReflection': ANY_ROLE,
};
/** Single methods with their own rule. */
const ROLES_BY_METHOD: Record<string, readonly Role[]> = {
  '/parley.v1.FederatedAggregator/RoundStatus': ANY_ROLE,
  // Brand-lift survey results: a service, or a person with `parley brand-lift`.
  '/parley.v1.ObjectiveAgent/ReportBrandLift': ['service', 'operator'],
};
const AGENT_ROLES: readonly Role[] = ['service'];

export type Verdict =
  | { allowed: true }
  | { allowed: false; kind: 'unauthenticated' | 'permission_denied'; message: string };

const ALLOWED: Verdict = { allowed: true };

/** The gRPC service of a method path: '/parley.v1.AdDecision/Decide' → 'parley.v1.AdDecision'. */
export function serviceOf(path: string): string {
  return path.split('/')[1] ?? '';
}

export function rolesFor(path: string): readonly Role[] {
  return ROLES_BY_METHOD[path] ?? ROLES_BY_SERVICE[serviceOf(path)] ?? AGENT_ROLES;
}

/** May `caller` (null: no client certificate) call `path`? */
export function authorize(caller: Identity | null, path: string): Verdict {
  if (!caller) {
    return {
      allowed: false,
      kind: 'unauthenticated',
      message: `${path}: no client certificate; parley's gRPC APIs need a certificate from the mesh's CA`,
    };
  }
  const roles = rolesFor(path);
  if (caller.role && roles.includes(caller.role)) return ALLOWED;
  return {
    allowed: false,
    kind: 'permission_denied',
    message: `${path}: caller "${caller.name}" has role ${caller.role ?? '(none: the certificate OU names no parley role)'}; needs ${roles.join(' or ')}`,
  };
}

/**
 * A federated client acts only as itself: the request's `field` (client_id)
 * must be the caller's certificate name. `caller` is null in plaintext mode
 * (no certificates, nobody identified): then there is nothing to compare.
 */
export function requireSelf(caller: Identity | null, claimed: string, field: string): void {
  if (caller && caller.name !== claimed) {
    throw new DomainError(
      'permission_denied',
      `${field}: "${claimed}" is not the caller; the certificate says "${caller.name}"`,
    );
  }
}
