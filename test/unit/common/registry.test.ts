import { describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, loadConfig } from '../../../services/common/config';
import { loadRegistry, parseRegistry, RegistryError } from '../../../services/common/registry';

const entry = (o: Record<string, string>) =>
  `  - { ${Object.entries(o)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} }`;
const BASE = [
  entry({ name: 'context', roles: '[context]', port: '1', share: '0.2', fail_small: 'default-snapshot' }),
  entry({
    name: 'inventory',
    roles: '[proposer]',
    port: '2',
    share: '0.3',
    fail_small: 'cached-ranking',
    term: 'listener',
  }),
  entry({
    name: 'objective',
    roles: '[critic, committer]',
    port: '3',
    share: '0.3',
    fail_small: 'house-only',
    term: 'advertiser',
    weight: '1',
  }),
];
const doc = (...extra: string[]) => `agents:\n${[...BASE, ...extra].join('\n')}\n`;
const parse = (text: string, env: Record<string, string> = {}) => parseRegistry(text, env, 'h', 'reg.yaml');

describe('the agent registry', () => {
  it('reads the shipped registry: four agents, their roles, ports and terms', () => {
    const agents = loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1');
    expect(agents.map((a) => [a.name, a.roles, a.address, a.term])).toEqual([
      ['context', ['context'], '127.0.0.1:50052', ''],
      ['inventory', ['proposer'], '127.0.0.1:50053', 'listener'],
      ['objective', ['critic', 'committer'], '127.0.0.1:50054', 'advertiser'],
      ['brand-safety', ['critic'], '127.0.0.1:50056', 'brand_safety'],
    ]);
  });

  it('takes addresses, ports and weights from the env by the agent name', () => {
    const a = parse(doc(), {
      PARLEY_INVENTORY_PORT: '7000',
      PARLEY_OBJECTIVE_ADDR: 'objective:9',
      PARLEY_W_ADVERTISER: '2.5',
    });
    expect(a.find((x) => x.name === 'inventory')).toMatchObject({ port: 7000, address: 'h:7000' });
    expect(a.find((x) => x.name === 'objective')).toMatchObject({ address: 'objective:9', weight: 2.5 });
    // A new agent's term is weighed in the config like the built-in ones.
    const more = doc(
      entry({
        name: 'brand-safety',
        roles: '[critic]',
        port: '4',
        share: '0.2',
        fail_small: 'pass',
        term: 'brand_safety',
        weight: '0.5',
      }),
    );
    expect(loadConfig({ PARLEY_AGENTS_FILE: '', PARLEY_W_BRAND_SAFETY: '3' }).weights.brand_safety).toBe(3);
    expect(parse(more).find((x) => x.name === 'brand-safety')?.weight).toBe(0.5);
  });

  it('PARLEY_AGENTS keeps only the named agents, and refuses a name it does not know', () => {
    expect(parse(doc(), { PARLEY_AGENTS: 'inventory,objective' }).map((a) => a.name)).toEqual([
      'inventory',
      'objective',
    ]);
    expect(() => parse(doc(), { PARLEY_AGENTS: 'inventory,nosuch' })).toThrow(
      'reg.yaml: PARLEY_AGENTS: no agent named "nosuch" in the registry',
    );
  });

  it.each([
    [
      [entry({ name: 'x', roles: '[judge]', port: '9', share: '0.2', fail_small: 'pass' })],
      'agents[3].roles[0]: must be one of',
    ],
    [
      [entry({ name: 'x', roles: '[critic]', port: '9', share: '0.2', fail_small: 'cached-ranking' })],
      'agents[3].fail_small: "cached-ranking" does not suit the role critic',
    ],
    [
      [entry({ name: 'x', roles: '[critic]', port: '9', share: '2', fail_small: 'pass' })],
      'agents[3].share: must be a number in [0.01, 1]',
    ],
    [
      [entry({ name: 'Bad_Name', roles: '[critic]', port: '9', share: '0.2', fail_small: 'pass' })],
      'agents[3].name: lower-case',
    ],
    [
      [entry({ name: 'inventory', roles: '[critic]', port: '9', share: '0.2', fail_small: 'pass' })],
      'agents[3].name: "inventory" is listed twice',
    ],
    [
      [entry({ name: 'x', roles: '[critic]', port: '9', share: '0.2', fail_small: 'pass', colour: 'red' })],
      'agents[3].colour: unknown key',
    ],
    [
      [entry({ name: 'x', roles: '[committer]', port: '9', share: '0.2', fail_small: 'house-only' })],
      'agents: at most one agent may have the role committer',
    ],
    [
      [
        entry({
          name: 'x',
          roles: '[context, critic]',
          port: '9',
          share: '0.2',
          fail_small: 'default-snapshot',
        }),
      ],
      'agents[3].roles: an agent of role context has no other role',
    ],
  ])('refuses a bad entry, naming it: %s', (extra, message) => {
    expect(() => parse(doc(...extra))).toThrow(RegistryError);
    expect(() => parse(doc(...extra))).toThrow(message);
  });

  it('needs a proposer', () => {
    expect(() => parse(`agents:\n${BASE[0]}\n`)).toThrow(
      'agents: at least one agent must have the role proposer',
    );
  });

  it('makes a bad registry a configuration error naming the file', () => {
    expect(() => loadConfig({ PARLEY_AGENTS_FILE: '/nonexistent/agents.yaml' })).toThrow(
      /cannot read the agent registry \/nonexistent\/agents\.yaml/,
    );
  });
});
