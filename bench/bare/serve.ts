/**
 * Process entry of the bare mesh, mirroring `parley serve <name>`:
 *
 *   node --import tsx bench/bare/serve.ts <broker|agent name> [--rounds R]
 *
 * Config (host, ports, agent addresses, log level, telemetry) comes from the
 * same env as the real services (services/common/config.ts), and telemetry is
 * set up the same way. Prints one JSON line
 * {"service","address","pid"} on stdout when listening; stops on SIGTERM.
 */
import { loadConfig } from '../../services/common/config';
import type { RunningService } from '../../services/common/grpc/server';
import { setDefaultIdentity } from '../../services/common/grpc/tls';
import { createLogger } from '../../services/common/log';
import { initTelemetry } from '../../services/common/telemetry';
import { announceAndServe } from '../procs';
import { startBareAgent } from './agents';
import { startBareBroker } from './broker';

async function main(argv: string[]): Promise<void> {
  const role = argv[0] ?? '';
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 1;
  setDefaultIdentity(role);
  const config = loadConfig(process.env, `bare-${role}`);
  const agent = config.agents.find((a) => a.name === role);
  if (role !== 'broker' && !agent) {
    const names = ['broker', ...config.agents.map((a) => a.name)];
    process.stderr.write(`usage: bench/bare/serve.ts <${names.join('|')}> [--rounds R]\n`);
    process.exit(2);
  }
  const log = createLogger(`bare-${role}`, config.logLevel);
  // As `parley serve` does, so the shared plumbing's spans cost the same in both meshes.
  const telemetry = initTelemetry({ serviceName: config.serviceName, otlpEndpoint: config.otlpEndpoint });
  const service: RunningService =
    role === 'broker'
      ? await startBareBroker({
          host: config.host,
          port: config.ports.broker,
          agents: config.agents,
          rounds,
          shortlist: config.shortlistSize,
          log,
        })
      : await startBareAgent(role, {
          host: config.host,
          port: agent!.port,
          roles: agent!.roles,
          shortlist: config.shortlistSize,
          log,
        });
  announceAndServe(role, service, telemetry);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`bare ${process.argv[2]}: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
