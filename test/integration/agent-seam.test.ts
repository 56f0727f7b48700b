/**
 * The agent seam: a fourth agent (brand-safety) joins the mesh by
 * configuration. The same requests go to the mesh without it
 * (PARLEY_AGENTS) and with it (the registry as shipped), in this process
 * over loopback gRPC with the learned models loaded. Both answer; the other
 * agents' model files stay byte for byte what they were and answer with the
 * same model versions (nothing was retrained); with it, risky content meets
 * its vetoes and every ad served carries its term, and the explanation names
 * it without any code naming it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, type DecideResponse__Output, decide } from '../../bin/client';
import type { DecideRequest } from '../../proto/gen/parley/v1/DecideRequest';
import { loadConfig } from '../../services/common/config';
import { createLogger } from '../../services/common/log';
import { projectPath } from '../../services/common/paths';
import { type LocalMesh, startLocalMesh } from '../support/local-mesh';

const log = createLogger('agent-seam', 'error');
const NEW_AGENT = 'brand-safety';
const OTHERS = loadConfig({})
  .agents.map((a) => a.name)
  .filter((n) => n !== NEW_AGENT);
const MODELS = projectPath('models');

/** Every model file, with the SHA-256 of its bytes. */
function modelHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of readdirSync(MODELS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(MODELS, dir.name))) {
      const path = join(MODELS, dir.name, f);
      out[`${dir.name}/${f}`] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  }
  return out;
}

/** The learned models, as an operator would deploy them; online learning off, so versions cannot move. */
const ENV = {
  PARLEY_POLICY_PATH: join(MODELS, 'inventory/current.json'),
  PARLEY_CONTEXT_MODEL_PATH: join(MODELS, 'context/current.json'),
  PARLEY_OBJECTIVE_MODEL_PATH: join(MODELS, 'objective/current.json'),
  PARLEY_ONLINE_LEARNING: 'off',
};

/** A podcast break: true crime at a high risk, 8 in the morning in Sweden, two ads. */
function request(i: number): DecideRequest {
  return {
    request_id: `seam-${i}`,
    slot: { slot_id: `slot-${i}`, position: 'POSITION_MID_ROLL', max_ads: 2, max_total_duration_ms: 60_000 },
    signals: {
      session_id: `seam-session-${i}`,
      device: 'DEVICE_MOBILE',
      local_time: '2026-11-27T08:15:00+01:00',
      track_genre: 'podcast',
      playlist_kind: 'PLAYLIST_KIND_PODCAST',
      activity_hint: 'SCENARIO_COMMUTE',
      country: 'SE',
      content: {
        kind: 'CONTENT_KIND_PODCAST',
        topics: ['true-crime'],
        risks: [{ category: 'SAFETY_CATEGORY_CRIME', level: 'RISK_LEVEL_HIGH' }],
      },
    },
    deadline_ms: 2000,
  };
}

const REQUESTS = 12;

async function run(env: Record<string, string>): Promise<DecideResponse__Output[]> {
  let mesh: LocalMesh | null = null;
  let client: AdDecisionClient | null = null;
  try {
    mesh = await startLocalMesh(log, env);
    client = connect(mesh.broker.address);
    // Streams open on first use: wait until a decision runs with every agent.
    for (let i = 0; ; i++) {
      const res = await decide(client, request(-1 - i), { timeoutMs: 5000 });
      if (res.degraded.length === 0) break;
      if (i > 100) throw new Error(`the mesh stays degraded: ${res.degraded.join(', ')}`);
    }
    const out: DecideResponse__Output[] = [];
    for (let i = 0; i < REQUESTS; i++) out.push(await decide(client, request(i), { timeoutMs: 5000 }));
    return out;
  } finally {
    client?.close();
    await mesh?.close();
  }
}

describe('a fourth agent joins by configuration', () => {
  const before = modelHashes();
  let without: DecideResponse__Output[] = [];
  let withAgent: DecideResponse__Output[] = [];

  it('the mesh answers without it and with it', async () => {
    without = await run({ ...ENV, PARLEY_AGENTS: OTHERS.join(',') });
    withAgent = await run(ENV);
    for (const r of [...without, ...withAgent]) {
      expect(r.degraded).toEqual([]);
      expect(r.why?.summary).not.toBe('');
    }
    expect(without.every((r) => !(NEW_AGENT in (r.why?.agents ?? {})))).toBe(true);
    expect(withAgent.every((r) => NEW_AGENT in (r.why?.agents ?? {}))).toBe(true);
  }, 120_000);

  it("leaves the other agents' model files byte for byte as they were, and their versions the same", () => {
    expect(modelHashes()).toEqual(before);
    const versions = (rs: DecideResponse__Output[]) =>
      rs.map((r) => Object.fromEntries(OTHERS.map((n) => [n, r.why?.agents[n]?.model_version])));
    expect(versions(withAgent)).toEqual(versions(without));
    for (const v of versions(withAgent)) for (const n of OTHERS) expect(v[n], n).not.toBe('');
  });

  it('its verdicts count: vetoes next to risky content, and its term on every ad it let through', () => {
    const vetoed = (rs: DecideResponse__Output[]) =>
      rs.flatMap((r) => r.why?.runners_up ?? []).filter((x) => x.reason === 'REASON_UNSUITABLE_CONTENT');
    expect(vetoed(without)).toEqual([]);
    expect(vetoed(withAgent).length).toBeGreaterThan(0);
    for (const r of withAgent) {
      if (r.ads.length > 0) expect(r.why?.terms).toHaveProperty('brand_safety');
    }
  });
});
