/**
 * Process entry of the bare mesh, mirroring `parley serve <name>`:
 *
 *   node --import tsx bench/bare/serve.ts <broker|context|inventory|objective> [--rounds R]
 *
 * Config (host, ports, agent addresses, log level, telemetry) comes from the
 * same env as the real services (services/common/config.ts), and telemetry is
 * set up the same way. Prints one JSON line
 * {"service","address","pid"} on stdout when listening; stops on SIGTERM.
 */
import { loadConfig } from '../../services/common/config';
import type { RunningService } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { initTelemetry } from '../../services/common/telemetry';
import { type BareAgentName, startBareAgent } from './agents';
import { startBareBroker } from './broker';

const ROLES = ['broker', 'context', 'inventory', 'objective'] as const;
type Role = (typeof ROLES)[number];

async function main(argv: string[]): Promise<void> {
  const role = argv[0] as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`usage: bench/bare/serve.ts <${ROLES.join('|')}> [--rounds R]\n`);
    process.exit(2);
  }
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 1;
  const config = loadConfig(process.env, `bare-${role}`);
  const log = createLogger(`bare-${role}`, config.logLevel);
  // As `parley serve` does, so the shared plumbing's spans cost the same in both meshes.
  const telemetry = initTelemetry({ serviceName: config.serviceName, otlpEndpoint: config.otlpEndpoint });
  const service: RunningService =
    role === 'broker'
      ? await startBareBroker({
          host: config.host,
          port: config.ports.broker,
          addresses: config.addresses,
          rounds,
          log,
        })
      : await startBareAgent(role as BareAgentName, { host: config.host, port: config.ports[role], log });
  process.stdout.write(`${JSON.stringify({ service: role, address: service.address, pid: process.pid })}\n`);
  const stop = () => {
    service
      .close()
      .then(() => telemetry.shutdown())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`bare ${process.argv[2]}: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
