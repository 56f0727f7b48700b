import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelHolder, publishModel } from '../../../learning/artifacts';
import { SlotForecaster } from '../../../learning/forecast';
import {
  MAX_MULTIPLIER,
  MIN_MULTIPLIER,
  NEUTRAL_OBJECTIVE,
  ObjectivePolicy,
  parseObjectiveModel,
} from '../../../learning/objective-policy';
import { staticCatalogue } from '../../../services/common/catalogue/load';
import { loadConfig } from '../../../services/common/config';
import {
  OBJECTIVE_MODEL_VERSION,
  ObjectiveAgent,
  type ObjectiveAgentOptions,
} from '../../../services/objective/agent';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { forecastProfile, watchForecast, watchObjectiveModel } from '../../../services/objective/models';
import { EmbeddedOutcomeLog } from '../../../services/objective/outcome-log';
import { startObjectiveAgent } from '../../../services/objective/server';
import { useCleanup } from '../../support/cleanup';
import { capture, until } from '../../support/wait';
import { campaign, candidate, catalogueOf, DAY, DAY0, evaluateInput, HOUR } from './fixtures';

const NOW = DAY0 + 12 * HOUR;
const MODELS = join(import.meta.dirname, '../../../models');

const CATALOGUE = catalogueOf([
  // Both asap: the policy reads their position against the even curve all the same.
  campaign({ id: 'behind', totalBudgetMicros: 1_000_000_000 }),
  campaign({ id: 'ahead', totalBudgetMicros: 1_000_000 }),
  campaign({ id: 'paused', paused: true }),
  campaign({
    id: 'commute-se',
    pacing: 'even',
    dailyBudgetMicros: 2_400_000,
    targeting: { countries: ['SE'], devices: [], scenarios: ['commute'], genres: [], explicitOk: true },
  }),
  campaign({
    id: 'party',
    pacing: 'even',
    dailyBudgetMicros: 2_400_000,
    targeting: { countries: [], devices: [], scenarios: ['party'], genres: [], explicitOk: true },
  }),
]);

async function setup(extra: Partial<ObjectiveAgentOptions> = {}) {
  const ledger = new EmbeddedLedger({ reservationTtlMs: DAY });
  const outcomes = new EmbeddedOutcomeLog(ledger, { idempotencyTtlMs: DAY, maxLen: 100 });
  // 'ahead' has spent 90% of its budget, well past the curve (~52%).
  await ledger.reserve({
    reservationId: 'r-ahead',
    campaignId: 'ahead',
    sessionId: 'other',
    amountMicros: 900_000,
    limits: CATALOGUE.campaigns.get('ahead')!,
    nowMs: NOW,
  });
  return new ObjectiveAgent({
    catalogue: staticCatalogue(CATALOGUE),
    ledger,
    outcomes,
    clock: () => NOW,
    ...extra,
  });
}

const INPUT = evaluateInput(['behind', 'ahead', 'paused'].map((id) => candidate(id, { pComplete: 0.6 })));

/** theta = [bias, behind_curve, behind_kpi, under_delivered, day_elapsed] */
const policy = (version: string, theta: number[]) => new ObjectivePolicy(version, theta);

const captured = () => capture<{ msg: string }>();
const rejected = (lines: Array<{ msg: string }>) => () =>
  lines.some((l) => l.msg === 'model file rejected; keeping the current model');

const { tempRoot, closers } = useCleanup('parley-obj-model-');

/** A forecast with all of commute|SE's slots in the given UTC hours. */
function forecastDoc(version: string, hours: number[]) {
  const f = new SlotForecaster();
  for (const h of hours) f.observe({ atMs: DAY0 + h * HOUR, scenario: 'commute', country: 'SE', count: 100 });
  f.endDay();
  return f.toJSON(version);
}

const idealOf = async (agent: ObjectiveAgent, id: string) =>
  (await agent.campaignStatus()).find((s) => s.campaign.id === id)!.idealMicros;

describe('ObjectiveAgent with a learned bid-multiplier policy', () => {
  it('with no model (or the neutral stand-in) is exactly the rules', async () => {
    const rules = await (await setup()).evaluate(INPUT);
    expect(rules.modelVersion).toBe(OBJECTIVE_MODEL_VERSION);
    expect(rules.values.map((v) => v.advertiserValue)).toEqual([0.6, 0.6, 0]);
    const neutral = await (await setup({ objectiveModel: new ModelHolder(NEUTRAL_OBJECTIVE) })).evaluate(
      INPUT,
    );
    expect(neutral).toEqual(rules);
  });

  it('raises a campaign behind its curve, lowers one ahead, leaves ineligible ones, reports its version', async () => {
    const rules = await (await setup()).evaluate(INPUT);
    const learned = await (
      await setup({ objectiveModel: new ModelHolder(policy('obj-pace', [0, 0.5, 0, 0, 0])) })
    ).evaluate(INPUT);
    expect(learned.modelVersion).toBe('obj-pace');
    const [behind, ahead, paused] = learned.values;
    expect(behind!.advertiserValue).toBeGreaterThan(0.6);
    expect(ahead!.advertiserValue).toBeLessThan(0.6);
    expect(paused).toEqual(rules.values[2]);
    // The rules' pacing multiplier is reported as it was; only the value moves.
    expect(learned.values.map((v) => v.pacingMultiplier)).toEqual(
      rules.values.map((v) => v.pacingMultiplier),
    );
  });

  it('applies the committed model within its bounds', async () => {
    const committed = parseObjectiveModel(readFileSync(join(MODELS, 'objective/current.json'), 'utf8'));
    const { holder, close } = watchObjectiveModel(join(MODELS, 'objective/current.json'), 1000);
    closers.push(close);
    expect(holder.version).toBe(committed.version);
    const counter = await (await setup({ objectiveModel: holder })).evaluate(INPUT);
    expect(counter.modelVersion).toBe(committed.version);
    for (const v of counter.values.slice(0, 2)) {
      expect(v.advertiserValue).toBeGreaterThanOrEqual(0.6 * MIN_MULTIPLIER - 1e-9);
      expect(v.advertiserValue).toBeLessThanOrEqual(0.6 * MAX_MULTIPLIER + 1e-9);
    }
    expect(counter.values[0]!.advertiserValue).not.toBeCloseTo(0.6, 6);
  });

  it('hot-swaps a newly published policy and keeps the last good one when the file breaks', async () => {
    const root = tempRoot();
    const { currentPath } = publishModel(
      root,
      'objective',
      policy('obj-a', [Math.log(1.2), 0, 0, 0, 0]).toJSON(),
    );
    const { lines, log } = capture();
    const { holder, close } = watchObjectiveModel(currentPath, 10, log);
    closers.push(close);
    const agent = await setup({ objectiveModel: holder });
    const a = await agent.evaluate(INPUT);
    expect(a.modelVersion).toBe('obj-a');
    expect(a.values[0]!.advertiserValue).toBeCloseTo(0.72, 5);

    publishModel(root, 'objective', policy('obj-b', [Math.log(0.8), 0, 0, 0, 0]).toJSON());
    await until(() => holder.version === 'obj-b', 'obj-b');
    const b = await agent.evaluate(INPUT);
    expect(b.modelVersion).toBe('obj-b');
    expect(b.values[0]!.advertiserValue).toBeCloseTo(0.48, 5);

    writeFileSync(currentPath, '{"format": "parley-objective-pacing/1", "version": "obj-c", "weights": [9]}');
    await until(rejected(lines), 'rejection');
    expect(await agent.evaluate(INPUT)).toEqual(b);
  });
});

describe('the slot forecast as the even-pacing traffic profile', () => {
  it('moves the ideal spend curve to the hours the audience is there, hot-swapped, and survives a broken file', async () => {
    const flat = await setup();
    expect(await idealOf(flat, 'commute-se')).toBe(1_200_000); // half the day, half the budget

    const root = tempRoot();
    const morning = [6, 7, 8, 9];
    const { currentPath } = publishModel(root, 'forecast', forecastDoc('fc-morning', morning));
    const { lines, log } = capture();
    const { holder, close } = watchForecast(currentPath, 10, log);
    closers.push(close);
    const agent = await setup({ trafficProfile: forecastProfile(holder) });
    expect(holder.version).toBe('fc-morning');
    expect(await idealOf(agent, 'commute-se')).toBeGreaterThan(2_000_000); // the morning rush is over
    expect(await idealOf(agent, 'party')).toBe(1_200_000); // nothing forecast for its audience: flat

    publishModel(root, 'forecast', forecastDoc('fc-evening', [18, 19, 20, 21]));
    await until(() => holder.version === 'fc-evening', 'fc-evening');
    const evening = await idealOf(agent, 'commute-se');
    expect(evening).toBeLessThan(400_000); // the evening is still to come

    writeFileSync(currentPath, 'not json');
    await until(rejected(lines), 'rejection');
    expect(await idealOf(agent, 'commute-se')).toBe(evening);
  });
});

describe('startObjectiveAgent', () => {
  const start = async (env: Record<string, string>) => {
    const svc = await startObjectiveAgent({
      config: loadConfig({ PARLEY_OBJECTIVE_PORT: '0', PARLEY_METRICS_PORT: 'off', ...env }),
      log: captured().log,
      catalogue: staticCatalogue(CATALOGUE),
      clock: () => NOW,
    });
    closers.push(() => svc.close());
    return svc;
  };

  it('runs the rules alone by default', async () => {
    const svc = await start({});
    expect(svc.model).toBeNull();
    expect(svc.forecast).toBeNull();
    expect((await svc.agent.evaluate(INPUT)).modelVersion).toBe(OBJECTIVE_MODEL_VERSION);
  });

  it('loads the policy and the forecast named in the config', async () => {
    const svc = await start({
      PARLEY_OBJECTIVE_MODEL_PATH: join(MODELS, 'objective/current.json'),
      PARLEY_FORECAST_PATH: join(MODELS, 'forecast/current.json'),
    });
    const version = (path: string) =>
      (JSON.parse(readFileSync(join(MODELS, path), 'utf8')) as { version: string }).version;
    expect(svc.model?.version).toBe(version('objective/current.json'));
    expect(svc.forecast?.version).toBe(version('forecast/current.json'));
    expect((await svc.agent.evaluate(INPUT)).modelVersion).toBe(svc.model?.version);
  });
});
