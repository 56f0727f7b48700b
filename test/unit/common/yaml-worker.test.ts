import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../../../bench/catalogue';
import { parseYamlOffThread } from '../../../services/common/yaml-worker';

describe('parseYamlOffThread', () => {
  it('returns what yaml parse returns, parsed on a worker thread', async () => {
    const text = benchCatalogueYaml({
      ...DEFAULT_BENCH_CATALOGUE,
      nowMs: Date.parse('2026-06-10T08:00:00Z'),
    });
    expect(await parseYamlOffThread(text)).toEqual(parse(text));
  });

  it("rejects broken YAML with the parser's message", async () => {
    await expect(parseYamlOffThread('advertisers: [')).rejects.toThrow(/flow sequence|Unexpected|end/i);
  });
});
