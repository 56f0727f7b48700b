import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../federated/aggregator/cli';
import { parseStrategySpec } from '../../../federated/aggregator/strategy-config';
import { main as evalMain } from '../../../federated/eval/cli';

const DEFAULT_CLIP = 0.5;

describe('parley federated (aggregator flags)', () => {
  it('maps flags to coordinator options, DP included', () => {
    const o = parseFlags([
      '--port',
      '0',
      '--strategy',
      'trimmed-mean:beta=0.1',
      '--mode',
      'async',
      '--buffer',
      '20',
      '--fraction',
      '0.1',
      '--clip',
      '0.7',
      '--dp-noise',
      '1.1',
      '--dp-expected',
      '100',
    ])!;
    expect(o).toMatchObject({
      port: 0,
      strategy: { name: 'trimmed-mean', beta: 0.1 },
      mode: 'async',
      bufferSize: 20,
      samplingFraction: 0.1,
      plan: { clipNorm: 0.7 },
      dp: { clipNorm: 0.7, noiseMultiplier: 1.1, expectedClients: 100, delta: 1e-5 },
    });
    expect(o.initialWeights).toHaveLength(36);
  });

  it('takes a DP budget (ε and rounds) instead of a noise multiplier', () => {
    const o = parseFlags([
      '--dp-epsilon',
      '8',
      '--dp-rounds',
      '100',
      '--dp-expected',
      '20',
      '--fraction',
      '0.1',
    ])!;
    expect(o.dp).toMatchObject({ noiseMultiplier: { epsilon: 8, rounds: 100 }, expectedClients: 20 });
  });

  it('sets up secure aggregation: a majority threshold and a range with room for the DP noise share by default', () => {
    const o = parseFlags([
      '--secure-clients',
      '9',
      '--clip',
      '0.5',
      '--dp-noise',
      '2',
      '--dp-expected',
      '9',
    ])!;
    // t = 5 of 9; each client's share of z = 2 has std 2·0.5/√5 per value, six of which fit in the range.
    expect(o.secureAggregation).toMatchObject({ maxClients: 9, threshold: 5, dpMinContributors: 5 });
    expect(o.secureAggregation!.range).toBeCloseTo(0.5 * (1 + (6 * 2) / Math.sqrt(5)), 12);
    expect(parseFlags(['--secure-clients', '4', '--secure-threshold', '4'])?.secureAggregation).toMatchObject(
      {
        threshold: 4,
        range: DEFAULT_CLIP,
      },
    );
    expect(() => parseFlags(['--secure-threshold', '3'])).toThrow(
      /--secure-threshold needs --secure-clients/,
    );
    // SecAgg+: t defaults to a majority of a neighbourhood (k + 1 = 41), not of the 5,000 clients.
    expect(
      parseFlags(['--secure-clients', '5000', '--secure-neighbours', '40'])?.secureAggregation,
    ).toMatchObject({ maxClients: 5000, neighbours: 40, threshold: 21 });
    expect(() => parseFlags(['--secure-neighbours', '40'])).toThrow(
      /--secure-neighbours needs --secure-clients/,
    );
  });

  it('refuses unknown flags, bad values and incomplete DP settings', () => {
    expect(() => parseFlags(['--nope', '1'])).toThrow(/unknown flag --nope/);
    expect(() => parseFlags(['--mode', 'sometimes'])).toThrow(/--mode/);
    expect(() => parseFlags(['--fraction', 'lots'])).toThrow(/--fraction: expected a number/);
    expect(() => parseFlags(['--dp-noise', '1'])).toThrow(/--dp-expected/);
    expect(() => parseFlags(['--dp-epsilon', '8', '--dp-expected', '10'])).toThrow(/--dp-rounds/);
    expect(() => parseFlags(['--dp-epsilon', '8', '--dp-noise', '1', '--dp-rounds', '5'])).toThrow(
      /not both/,
    );
    expect(() => parseStrategySpec('multi-krum')).toThrow(/byzantine/);
    expect(() => parseStrategySpec('fednova')).toThrow(/unknown strategy "fednova"/);
    expect(parseStrategySpec('multi-krum:byzantine=3,select=5')).toEqual({
      name: 'multi-krum',
      byzantine: 3,
      select: 5,
    });
  });
});

describe('parley federated-eval', () => {
  it('is a usage error (exit 2) for unknown arguments or bad values', async () => {
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await evalMain(['--frobnicate'])).toBe(2);
      expect(await evalMain(['--rounds', '0'])).toBe(2);
      expect(await evalMain(['--out'])).toBe(2);
      expect(await evalMain(['--seeds', '1'])).toBe(2); // an interval needs two replicates
    } finally {
      process.stderr.write = write;
    }
  });
});
