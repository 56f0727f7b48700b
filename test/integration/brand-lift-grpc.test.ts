/**
 * Brand lift over real gRPC: the objective agent started in-process on port
 * 0 (embedded state, then Redis on one redis-server and on a Redis Cluster).
 * Survey results reported with `parley brand-lift`'s own client
 * (bin/brand-lift.ts) change an awareness campaign's value in the next
 * critique, as the broker asks for it on Agent.Negotiate; a resent file
 * counts once; bad input gets INVALID_ARGUMENT naming the field and records
 * nothing; a held-out listener's candidate is vetoed; with Redis, a second
 * replica and a restarted agent value the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandLiftCommand, sendBrandLift } from '../../bin/brand-lift';
import type { BrandLiftResult } from '../../proto/gen/parley/v1/BrandLiftResult';
import type { CritiqueRequest } from '../../proto/gen/parley/v1/CritiqueRequest';
import type { Verdict__Output } from '../../proto/gen/parley/v1/Verdict';
import { loadConfig } from '../../services/common/config';
import { holdoutDraw } from '../../services/common/domain/brand-lift';
import { AgentLink } from '../../services/common/grpc/agent-stream';
import { createLogger } from '../../services/common/log';
import { type ObjectiveAgentService, startObjectiveAgent } from '../../services/objective/server';
import { wireCandidate as candidate, surveyResult } from '../support/objective';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const FLIGHT = 'flight: { start: "2020-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z" }';
const CATALOGUE = `
advertisers:
  - { id: adv-1, category: retail }
campaigns:
  - { id: aware-hi, advertiser: adv-1, goal: awareness, cpm_micros: 20000000, budget: { total_micros: 100000000 }, ${FLIGHT} }
  - { id: aware-lo, advertiser: adv-1, goal: awareness, cpm_micros: 20000000, budget: { total_micros: 100000000 }, ${FLIGHT} }
  - { id: convert, advertiser: adv-1, goal: conversion, cpm_micros: 20000000, budget: { total_micros: 100000000 }, ${FLIGHT} }
  - { id: study, advertiser: adv-1, goal: awareness, cpm_micros: 20000000, budget: { total_micros: 100000000 }, brand_lift: { holdout: 0.5 }, ${FLIGHT} }
creatives:
  - { id: aware-hi-cr, campaign: aware-hi, duration_ms: 15000 }
  - { id: aware-lo-cr, campaign: aware-lo, duration_ms: 15000 }
  - { id: convert-cr, campaign: convert, duration_ms: 15000 }
  - { id: study-cr, campaign: study, duration_ms: 15000 }
`;

const log = createLogger('test', 'error');
const dir = mkdtempSync(join(tmpdir(), 'parley-lift-'));
const cataloguePath = join(dir, 'catalogue.yaml');
writeFileSync(cataloguePath, CATALOGUE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());
const states = [['embedded'], ...backends.map(([name]) => [name])];

/** A survey wave: 2,000 respondents per group, the control group at 20 % yes. */
const result = (campaign_id: string, wave_id: string, exposed_yes_rate: number): BrandLiftResult =>
  surveyResult({
    campaign_id,
    wave_id,
    exposed_respondents: 2000,
    exposed_yes_rate,
    control_respondents: 2000,
    control_yes_rate: 0.2,
    impressions: 10_000,
    reach: 5000,
  });
const RESULTS = [result('aware-hi', 'w1', 0.4), result('aware-lo', 'w1', 0.25), result('convert', 'w1', 0.3)];

const critique = (campaigns: string[], listenerId = ''): CritiqueRequest => ({
  request_id: 'req-lift',
  round: 1,
  signals: {
    session_id: 'sess-1',
    listener_id: listenerId,
    device: 'DEVICE_MOBILE',
    local_time: '2026-06-10T07:00:00+02:00',
    country: 'SE',
  },
  context: {
    scenario: 'SCENARIO_COMMUTE',
    focus_level: 0.4,
    receptiveness: 0.6,
    skip_risk: 0.3,
    features: [],
    model_version: 'ctx-1',
    session_ads_heard: 0,
    is_default: false,
  },
  candidates: campaigns.map(candidate),
});

const env = (backendUrl: string | undefined, prefix: string): Record<string, string> => ({
  PARLEY_OBJECTIVE_PORT: '0',
  PARLEY_CATALOGUE: cataloguePath,
  PARLEY_LOG_LEVEL: 'error',
  ...(backendUrl ? { REDIS_URL: backendUrl, PARLEY_REDIS_PREFIX: prefix } : {}),
});

/** The error a call is answered with. */
async function failure(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as grpc.ServiceError).code, details: (err as grpc.ServiceError).details };
  }
  throw new Error('expected the call to fail');
}

describe.each(states)('brand lift over gRPC (%s state)', (kind) => {
  const backend = backends.find(([name]) => name === kind)?.[1];
  const services: ObjectiveAgentService[] = [];
  const links: AgentLink[] = [];
  let agent: ObjectiveAgentService;
  let link: AgentLink;
  const start = async () => {
    const s = await startObjectiveAgent({ config: loadConfig(env(backend?.url, 'lifttest:')), log });
    services.push(s);
    const l = new AgentLink('objective', s.address);
    links.push(l);
    return { service: s, link: l };
  };
  /** Each campaign's verdict from one critique, by campaign. */
  const verdicts = async (via: AgentLink, campaigns: string[], listenerId = '') => {
    const c = await via.call('critique', critique(campaigns, listenerId), 5000, '');
    return new Map(c.verdicts.map((v: Verdict__Output) => [v.creative_id.replace(/-cr$/, ''), v]));
  };

  beforeAll(async () => {
    await backend?.flush();
    ({ service: agent, link } = await start());
  });
  afterAll(async () => {
    for (const l of links) l.close();
    for (const s of services) await s.close().catch(() => undefined);
  });

  it('refuses bad results with INVALID_ARGUMENT naming the field, and records none of them', async () => {
    const bad: Array<[Partial<BrandLiftResult>, string]> = [
      [{ exposed_respondents: -3 }, 'results[1].exposed_respondents: must be an integer in [0, 1000000000]'],
      [{ control_yes_rate: 1.5 }, 'results[1].control_yes_rate: must be a number in [0, 1], got 1.5'],
      [{ exposed_yes_rate: Number.NaN }, 'results[1].exposed_yes_rate: must be a number in [0, 1], got NaN'],
      [{ campaign_id: 'ghost' }, 'results[1].campaign_id: unknown campaign "ghost"'],
    ];
    for (const [over, message] of bad) {
      const err = await failure(sendBrandLift(agent.address, [RESULTS[0]!, { ...RESULTS[1]!, ...over }]));
      expect(err.code, message).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(message);
    }
    // Nothing of those calls was kept: the first good report records all three.
    const reply = await sendBrandLift(agent.address, RESULTS);
    expect(reply.statuses).toEqual([
      'BRAND_LIFT_STATUS_RECORDED',
      'BRAND_LIFT_STATUS_RECORDED',
      'BRAND_LIFT_STATUS_RECORDED',
    ]);
    // Start over for the next test.
    await backend?.flush();
    for (const s of services) await s.close();
    services.length = 0;
    ({ service: agent, link } = await start());
  });

  it("reported lift changes an awareness campaign's value in the next critique, once", async () => {
    const before = await verdicts(link, ['aware-hi', 'aware-lo', 'convert']);
    expect(before.get('aware-hi')).toMatchObject({ eligible: true, lift_multiplier: 0, detail: '' });

    const reply = await sendBrandLift(agent.address, RESULTS);
    expect(reply.campaigns.map((c) => [c.campaign_id, c.goal, c.waves])).toEqual([
      ['aware-hi', 'awareness', 1],
      ['aware-lo', 'awareness', 1],
      ['convert', 'conversion', 1],
    ]);
    const after = await verdicts(link, ['aware-hi', 'aware-lo', 'convert']);
    const hi = after.get('aware-hi')!;
    const lo = after.get('aware-lo')!;
    expect(hi.lift_multiplier).toBeGreaterThan(1);
    expect(lo.lift_multiplier).toBeLessThan(1);
    expect(lo.lift_multiplier).toBeGreaterThan(0);
    expect(hi.value).toBeCloseTo(before.get('aware-hi')!.value * hi.lift_multiplier, 9);
    expect(lo.value).toBeLessThan(before.get('aware-lo')!.value);
    expect(hi.detail).toMatch(/^brand lift ×1\.\d{3} \(1 survey wave/);
    expect(after.get('convert')).toEqual(before.get('convert'));
    expect(reply.campaigns.find((c) => c.campaign_id === 'aware-hi')?.multiplier).toBeCloseTo(
      hi.lift_multiplier,
      12,
    );

    // The same file again: nothing counts twice, the values stay.
    const again = await sendBrandLift(agent.address, RESULTS);
    expect(new Set(again.statuses)).toEqual(new Set(['BRAND_LIFT_STATUS_DUPLICATE']));
    expect(await verdicts(link, ['aware-hi', 'aware-lo', 'convert'])).toEqual(after);
  });

  it("vetoes a held-out listener's candidate of a campaign with a hold-out", async () => {
    const listeners = Array.from({ length: 100 }, (_, i) => `lst-${i}`);
    const inControl = listeners.find((l) => holdoutDraw(l, 'study') < 0.5)!;
    const exposed = listeners.find((l) => holdoutDraw(l, 'study') >= 0.5)!;
    const held = await verdicts(link, ['study', 'aware-hi'], inControl);
    expect(held.get('study')).toMatchObject({ eligible: false, reason: 'REASON_BRAND_LIFT_HOLDOUT' });
    expect(held.get('aware-hi')?.eligible).toBe(true);
    expect((await verdicts(link, ['study'], exposed)).get('study')?.eligible).toBe(true);
  });

  it('takes a CSV file through the CLI command, and names the line of a bad row', async () => {
    const file = join(dir, `${kind.replace(/ /g, '-')}-waves.csv`);
    writeFileSync(
      file,
      [
        'campaign_id,wave_id,exposed_respondents,exposed_yes_rate,control_respondents,control_yes_rate,impressions,reach,fielded_at,published_at',
        'aware-hi,w2,1500,0.38,1500,0.2,20000,8000,2026-12-02T00:00:00Z,2026-12-02T06:00:00Z',
        'aware-lo,w2,1500,0.24,1500,0.2,20000,8000,2026-12-02T00:00:00Z,2026-12-02T06:00:00Z',
      ].join('\n'),
    );
    const out: string[] = [];
    await brandLiftCommand(file, { objective: agent.address, json: false, out: (l) => out.push(l) });
    expect(out[0]).toBe('2 survey waves: 2 recorded');
    expect(out.find((l) => l.startsWith('aware-hi '))).toMatch(/awareness\s+2\s/);

    writeFileSync(
      `${file}.bad.csv`,
      [
        'campaign_id,wave_id,exposed_respondents,exposed_yes_rate,control_respondents,control_yes_rate,impressions,reach,fielded_at,published_at',
        'aware-hi,w3,1500,0.38,1500,0.2,20000,8000,2026-12-03T00:00:00Z,2026-12-03T06:00:00Z',
        'aware-lo,w3,-1500,0.24,1500,0.2,20000,8000,2026-12-03T00:00:00Z,2026-12-03T06:00:00Z',
      ].join('\n'),
    );
    await expect(
      brandLiftCommand(`${file}.bad.csv`, { objective: agent.address, json: false }),
    ).rejects.toThrow(
      `nothing recorded: ${file}.bad.csv:3: results[1].exposed_respondents: must be an integer`,
    );
  });

  it.runIf(backend)('a second replica and a restarted agent value the same', async () => {
    const { link: other, service: replica } = await start();
    await replica.agent.refreshBrandLift();
    const campaigns = ['aware-hi', 'aware-lo', 'convert'];
    const here = await verdicts(link, campaigns);
    expect(await verdicts(other, campaigns)).toEqual(here);
    // A wave reported to one replica reaches the other on its next refresh.
    await sendBrandLift(replica.address, [result('aware-lo', 'w9', 0.6)]);
    await agent.agent.refreshBrandLift();
    const moved = await verdicts(link, campaigns);
    expect(moved.get('aware-lo')?.value).not.toBe(here.get('aware-lo')?.value);
    expect(await verdicts(other, campaigns)).toEqual(moved);
    // Restart: a new process on the same Redis.
    await agent.close();
    const { link: restarted, service } = await start();
    await service.agent.refreshBrandLift();
    expect(await verdicts(restarted, campaigns)).toEqual(moved);
  });
});
