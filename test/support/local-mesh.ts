/**
 * The mesh in this process over loopback gRPC on free ports (embedded state
 * unless the env says otherwise): every agent of the registry first (the
 * committer before the others: the inventory agent's online learner reads
 * its outcome log), then a broker pointed at them. For integration tests
 * that need the whole decision path but not separate processes (see
 * mesh.ts for those).
 */
import { launcherSettings } from '../../bin/spawn';
import { startBroker } from '../../services/broker/server';
import { type Config, loadConfig } from '../../services/common/config';
import type { RunningService } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';
import { agentEnv } from '../../services/common/registry';
import type { ContextAgentService } from '../../services/context/server';
import type { InventoryAgentService } from '../../services/inventory/server';
import type { ObjectiveAgentService } from '../../services/objective/server';

export interface LocalMesh {
  context: ContextAgentService;
  inventory: InventoryAgentService;
  objective: ObjectiveAgentService;
  /** Every agent, by registry name. */
  agents: Map<string, RunningService>;
  broker: RunningService;
  /** Closes the broker, then the agents. */
  close(): Promise<void>;
}

type Start = (opts: { config: Config; log: Logger }) => Promise<RunningService>;
/** An agent's start function: the `start` of its folder's server.ts, as `parley serve` finds it. */
async function startOf(name: string): Promise<Start> {
  const mod = (await import(`../../services/${name}/server`)) as { start?: Start };
  if (!mod.start) throw new Error(`services/${name}/server exports no start function`);
  return mod.start;
}

/** Every agent of the registry in this process on free ports (the committers first), by registry name. */
export async function startAgents(
  log: Logger,
  env: Record<string, string> = {},
): Promise<{
  agents: Map<string, RunningService>;
  addresses: Record<string, string>;
  close(): Promise<void>;
}> {
  const base = { PARLEY_HOST: '127.0.0.1', PARLEY_LOG_LEVEL: 'error', PARLEY_METRICS_PORT: 'off', ...env };
  const registry = loadConfig(base).agents;
  const addresses: Record<string, string> = {};
  const agents = new Map<string, RunningService>();
  const start = async (name: string) => {
    const startAgent = await startOf(name);
    const svc = await startAgent({
      config: loadConfig({ ...base, ...addresses, [agentEnv(name, 'PORT')]: '0' }),
      log,
    });
    agents.set(name, svc);
    return svc;
  };
  const committers = registry.filter((a) => a.roles.includes('committer'));
  for (const a of committers) addresses[agentEnv(a.name, 'ADDR')] = (await start(a.name)).address;
  const rest = registry.filter((a) => !a.roles.includes('committer'));
  for (const svc of await Promise.all(rest.map((a) => start(a.name))))
    addresses[agentEnv(svc.name, 'ADDR')] = svc.address;
  return {
    agents,
    addresses,
    async close() {
      for (const s of [...agents.values()].reverse()) await s.close();
    },
  };
}

export async function startLocalMesh(log: Logger, env: Record<string, string> = {}): Promise<LocalMesh> {
  const base = {
    ...launcherSettings(), // the suite's: no load shedding (vitest.config.ts)
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'error',
    PARLEY_METRICS_PORT: 'off',
    ...env,
  };
  const { agents, addresses, close } = await startAgents(log, env);
  const broker = await startBroker({
    config: loadConfig({ ...base, ...addresses, PARLEY_BROKER_PORT: '0' }),
    log,
  });
  return {
    context: agents.get('context') as ContextAgentService,
    inventory: agents.get('inventory') as InventoryAgentService,
    objective: agents.get('objective') as ObjectiveAgentService,
    agents,
    broker,
    async close() {
      await broker.close();
      await close();
    },
  };
}
