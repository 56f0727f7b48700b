/**
 * The one place parley's gRPC servers and channels get their credentials:
 * mutual TLS from certificates (scripts/dev-certs.sh makes development ones),
 * or plaintext only when PARLEY_PLAINTEXT=1 says so (local development; each
 * process then logs one warning).
 *
 *   PARLEY_TLS_CA / PARLEY_TLS_CERT / PARLEY_TLS_KEY   explicit PEM files, or
 *   PARLEY_TLS_DIR (default <project>/.parley/tls)    ca.crt, <identity>.crt, <identity>.key
 *   PARLEY_TLS_IDENTITY                               which <identity> this process is; by default
 *                                                      the service it serves (`parley serve broker` →
 *                                                      broker), `ad-server` for traffic/decide,
 *                                                      `operator` for explain
 *
 * Files are read when a server binds or a channel is made, so a restarted
 * process picks up rotated certificates (docs/operations.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PeerCertificate, TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { type Identity, identityOf } from '../access';
import { ConfigError } from '../config';
import { createLogger } from '../log';
import { PROJECT_ROOT } from '../paths';

export const PLAINTEXT_ENV = 'PARLEY_PLAINTEXT';
export const TLS_DIR_ENV = 'PARLEY_TLS_DIR';
export const TLS_IDENTITY_ENV = 'PARLEY_TLS_IDENTITY';
export const TLS_CA_ENV = 'PARLEY_TLS_CA';
export const TLS_CERT_ENV = 'PARLEY_TLS_CERT';
export const TLS_KEY_ENV = 'PARLEY_TLS_KEY';
/** Every variable this module reads (deploy files may set only these and config.ts's). */
export const TLS_ENV_NAMES = [
  PLAINTEXT_ENV,
  TLS_DIR_ENV,
  TLS_IDENTITY_ENV,
  TLS_CA_ENV,
  TLS_CERT_ENV,
  TLS_KEY_ENV,
] as const;
/**
 * Where `parley mesh` keeps development certificates. Not a file shipped with
 * the code (no projectPath: the image never contains keys); a container
 * mounts its certificates and sets PARLEY_TLS_DIR.
 */
export const DEFAULT_TLS_DIR = join(PROJECT_ROOT, '.parley', 'tls');

export interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export type Transport = { mode: 'plaintext' } | { mode: 'mtls'; files: TlsFiles };

type Env = Record<string, string | undefined>;

let defaultIdentity = '';
/** The certificate this process uses when PARLEY_TLS_IDENTITY names none (set once by the command it runs). */
export function setDefaultIdentity(name: string): void {
  defaultIdentity = name;
}

export function isPlaintext(env: Env = process.env): boolean {
  const raw = (env[PLAINTEXT_ENV] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'off' || raw === 'false') return false;
  if (raw === '1' || raw === 'on' || raw === 'true') return true;
  throw new ConfigError(
    `${PLAINTEXT_ENV}: expected 1 (plaintext, local development only) or 0, got "${raw}"`,
  );
}

/** The directory of the mesh's certificates: PARLEY_TLS_DIR or .parley/tls at the project's root. */
export function tlsDir(env: Env = process.env): string {
  return env[TLS_DIR_ENV] || DEFAULT_TLS_DIR;
}

function read(path: string, what: string, hint: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(
      `${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err}); ${hint}`,
    );
  }
}

/** This process's transport security, from `env` (see the module comment). */
export function transportFrom(env: Env = process.env, identity?: string): Transport {
  if (isPlaintext(env)) return { mode: 'plaintext' };
  const { [TLS_CA_ENV]: ca, [TLS_CERT_ENV]: cert, [TLS_KEY_ENV]: key } = env;
  if (ca || cert || key) {
    if (!ca || !cert || !key) {
      throw new ConfigError('PARLEY_TLS_CA, PARLEY_TLS_CERT and PARLEY_TLS_KEY go together: set all three');
    }
    const hint = 'check the path';
    const files = {
      ca: read(ca, 'PARLEY_TLS_CA', hint),
      cert: read(cert, 'PARLEY_TLS_CERT', hint),
      key: read(key, 'PARLEY_TLS_KEY', hint),
    };
    return { mode: 'mtls', files };
  }
  const name = identity || env[TLS_IDENTITY_ENV] || defaultIdentity;
  if (!name) {
    throw new ConfigError(
      `${TLS_IDENTITY_ENV}: name this process's certificate (<name>.crt in ${TLS_DIR_ENV}), or set ${PLAINTEXT_ENV}=1 for local development`,
    );
  }
  const dir = tlsDir(env);
  const hint = `make development certificates with scripts/dev-certs.sh ${dir} (npm start does), set ${TLS_DIR_ENV}, or ${PLAINTEXT_ENV}=1 for local development without TLS`;
  return {
    mode: 'mtls',
    files: {
      ca: read(join(dir, 'ca.crt'), TLS_DIR_ENV, hint),
      cert: read(join(dir, `${name}.crt`), `${TLS_DIR_ENV} (certificate of "${name}")`, hint),
      key: read(join(dir, `${name}.key`), `${TLS_DIR_ENV} (key of "${name}")`, hint),
    },
  };
}

let warned = false;
function warnPlaintext(): void {
  if (warned) return;
  warned = true;
  createLogger(process.env.OTEL_SERVICE_NAME || 'parley').warn(
    `PLAINTEXT gRPC (${PLAINTEXT_ENV}=1): no TLS and no caller authentication; for local development only`,
  );
}

/** This process's transport (from process.env), warning once if it is plaintext. */
export function processTransport(identity?: string): Transport {
  const t = transportFrom(process.env, identity);
  if (t.mode === 'plaintext') warnPlaintext();
  return t;
}

/** Credentials a server binds with: TLS that requires a client certificate from the CA. */
export function serverCredentials(t: Transport = processTransport()): grpc.ServerCredentials {
  if (t.mode === 'plaintext') return grpc.ServerCredentials.createInsecure();
  rememberPeerCertificates();
  return grpc.ServerCredentials.createSsl(
    t.files.ca,
    [{ cert_chain: t.files.cert, private_key: t.files.key }],
    true,
  );
}

/** Credentials a channel dials with: the server checked against the CA, this process's certificate shown. */
export function channelCredentials(t: Transport = processTransport()): grpc.ChannelCredentials {
  if (t.mode === 'plaintext') return grpc.credentials.createInsecure();
  muteIpServernameWarning();
  return grpc.credentials.createSsl(t.files.ca, t.files.key, t.files.cert);
}

/** Node's code for "Setting the TLS ServerName to an IP address is not permitted by RFC 6066". */
export const IP_SERVERNAME_WARNING = 'DEP0123';
let muted = false;

/**
 * grpc-js sends an IP target (127.0.0.1:50052, as the mesh dials) as the TLS
 * server name, and Node then prints a deprecation warning in every process
 * that dials one. The certificate is still checked against the IP (dev
 * certificates name 127.0.0.1), so the warning says nothing an operator can
 * act on: this process drops that one warning and lets every other through.
 */
export function muteIpServernameWarning(): void {
  if (muted) return;
  muted = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const [typeOrOptions, code] = rest;
    const c =
      typeof typeOrOptions === 'object' && typeOrOptions ? (typeOrOptions as { code?: string }).code : code;
    if (c === IP_SERVERNAME_WARNING) return;
    (emit as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

let remembering = false;

/**
 * grpc-js reads the client's certificate on every call (`getAuthContext()`
 * calls `TLSSocket.getPeerCertificate()`), and Node rebuilds the whole
 * certificate object each time (X509ToObject: names, extensions, three
 * fingerprints): about 60 µs, 7% of the broker's CPU under load (bench/ANALYSIS.md
 * section 13). On an HTTP/2 connection (ALPN `h2`) the peer's certificate
 * cannot change: HTTP/2 forbids TLS renegotiation and Node's http2 disables it
 * on the socket. So each such socket keeps the first certificate it read and
 * answers with it afterwards; other TLS sockets, and the `detailed` form, are
 * untouched.
 */
export function rememberPeerCertificates(): void {
  if (remembering) return;
  remembering = true;
  const read = TLSSocket.prototype.getPeerCertificate;
  const known = new WeakMap<TLSSocket, PeerCertificate>();
  TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
    if (detailed || this.alpnProtocol !== 'h2') return read.call(this, detailed);
    let cert = known.get(this);
    if (!cert) {
      cert = read.call(this, false);
      if (cert?.raw) known.set(this, cert);
    }
    return cert;
  } as typeof read;
}

/** The identity of a call's client certificate; null when there is none (plaintext). */
export function callerOf(call: {
  getAuthContext(): { sslPeerCertificate?: { subject?: Parameters<typeof identityOf>[0] } } | null;
}): Identity | null {
  return identityOf(call.getAuthContext()?.sslPeerCertificate?.subject);
}
