/**
 * The four services in this process over loopback gRPC on free ports
 * (embedded state unless the env says otherwise): the agents first, then a
 * broker pointed at them. For integration tests that need the whole decision
 * path but not separate processes (see mesh.ts for those).
 */
import { startBroker } from '../../services/broker/server';
import { loadConfig } from '../../services/common/config';
import type { RunningService } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';
import { type ContextAgentService, startContextAgent } from '../../services/context/server';
import { type InventoryAgentService, startInventoryAgent } from '../../services/inventory/server';
import { type ObjectiveAgentService, startObjectiveAgent } from '../../services/objective/server';

export interface LocalMesh {
  context: ContextAgentService;
  inventory: InventoryAgentService;
  objective: ObjectiveAgentService;
  broker: RunningService;
  /** Closes the broker, then the agents. */
  close(): Promise<void>;
}

export async function startLocalMesh(log: Logger, env: Record<string, string> = {}): Promise<LocalMesh> {
  const base = { PARLEY_HOST: '127.0.0.1', PARLEY_LOG_LEVEL: 'error', PARLEY_METRICS_PORT: 'off', ...env };
  const [context, objective] = await Promise.all([
    startContextAgent({ config: loadConfig({ ...base, PARLEY_CONTEXT_PORT: '0' }), log }),
    startObjectiveAgent({ config: loadConfig({ ...base, PARLEY_OBJECTIVE_PORT: '0' }), log }),
  ]);
  // The inventory agent's online learner reads the objective agent's outcome log.
  const inventory = await startInventoryAgent({
    config: loadConfig({ ...base, PARLEY_INVENTORY_PORT: '0', PARLEY_OBJECTIVE_ADDR: objective.address }),
    log,
  });
  const broker = await startBroker({
    config: loadConfig({
      ...base,
      PARLEY_BROKER_PORT: '0',
      PARLEY_CONTEXT_ADDR: context.address,
      PARLEY_INVENTORY_ADDR: inventory.address,
      PARLEY_OBJECTIVE_ADDR: objective.address,
    }),
    log,
  });
  return {
    context,
    inventory,
    objective,
    broker,
    async close() {
      for (const s of [broker, inventory, objective, context]) await s.close();
    },
  };
}
