// Container health check (the compose healthcheck, and the Kubernetes exec
// probes): asks the local gRPC server grpc.health.v1.Health/Check and exits
// 0 only when it answers SERVING.
//
//   node deploy/docker/grpc-health.mjs [port] [service]
//
// port defaults to 50051, service to '' (the whole server).
//
// It calls with the service's own credentials, from the same env the server
// reads (services/common/grpc/tls.ts): PARLEY_TLS_DIR + PARLEY_TLS_IDENTITY,
// or PARLEY_TLS_CA/_CERT/_KEY, or plaintext when PARLEY_PLAINTEXT=1. Any
// certificate of the mesh's CA with a parley role may call Health
// (services/common/access.ts). The server certificate must name 127.0.0.1
// (scripts/dev-certs.sh's do). With PARLEY_TLS_DIR, PARLEY_TLS_IDENTITY must
// be set: this script cannot know which service it checks.
//
// The credentials come from tls.ts itself, not a copy: compiled in the image
// (dist/, next to the production node_modules), or the TypeScript source in a
// checkout without a build (run it with `node --import tsx`).
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const port = Number(process.argv[2] ?? '50051');
const serviceName = process.argv[3] ?? '';
const TIMEOUT_MS = 2000;

if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`grpc-health: bad port "${process.argv[2]}"\n`);
  process.exit(2);
}

const compiled = new URL('../../dist/services/common/grpc/tls.js', import.meta.url);
const source = new URL('../../services/common/grpc/tls.ts', import.meta.url);
const { channelCredentials, transportFrom } = await import(
  existsSync(compiled) ? compiled.href : source.href
);

let credentials;
try {
  credentials = channelCredentials(transportFrom(process.env));
} catch (err) {
  // Missing or unreadable certificates: the server cannot be checked, so it is not healthy.
  process.stderr.write(`grpc-health: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}

// grpc-js sends the IP as the TLS server name, and node warns about it
// (DEP0123) on every run: harmless, and noise in the probe's output.
process.noDeprecation = true;

const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
const client = new Health(`127.0.0.1:${port}`, credentials);

client.Check({ service: serviceName }, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => {
  client.close();
  if (err) {
    process.stderr.write(`grpc-health: ${err.message}\n`);
    process.exit(1);
  }
  const status = res?.status ?? 'UNKNOWN';
  process.stdout.write(`${status}\n`);
  process.exit(status === 'SERVING' ? 0 : 1);
});
