// Container health check for docker / compose: asks the local gRPC server
// grpc.health.v1.Health/Check and exits 0 only when it answers SERVING.
// Kubernetes does not need it (its probes speak gRPC health natively).
//
//   node deploy/docker/grpc-health.mjs [port] [service]
//
// port defaults to 50051, service to '' (the whole server).
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const port = Number(process.argv[2] ?? '50051');
const serviceName = process.argv[3] ?? '';
const TIMEOUT_MS = 2000;

if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`grpc-health: bad port "${process.argv[2]}"\n`);
  process.exit(2);
}

const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

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
