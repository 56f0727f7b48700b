/**
 * The agent registry (services/agents.yaml, or PARLEY_AGENTS_FILE): which
 * agents the broker negotiates with, in which roles, with what share of the
 * deadline, what stands in when one fails, and its term and weight in the
 * joint utility. Read once at start-up by loadConfig; an error names the
 * entry and field ("agents[2].roles: …").
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { docFields, type Obj } from './doc-fields';

export const ROLES = ['context', 'proposer', 'critic', 'committer'] as const;
export type Role = (typeof ROLES)[number];

export const FAIL_SMALL = ['default-snapshot', 'cached-ranking', 'house-only', 'pass'] as const;
export type FailSmall = (typeof FAIL_SMALL)[number];

/** Which fail-small behaviours each role may name. */
const FAIL_SMALL_OF_ROLE: Record<Role, readonly FailSmall[]> = {
  context: ['default-snapshot'],
  proposer: ['cached-ranking'],
  critic: ['house-only', 'pass'],
  committer: ['house-only'],
};

export interface AgentEntry {
  name: string;
  roles: Role[];
  /** host:port the broker calls. */
  address: string;
  /** The port the agent listens on. */
  port: number;
  /** Its Prometheus endpoint's default port (PARLEY_METRICS_PORT overrides it). */
  metricsPort: number;
  /** The most of a decision's usable time one call to it may take, in (0, 1]. */
  share: number;
  failSmall: FailSmall;
  /** Its term of the joint utility ('' for a context agent). */
  term: string;
  weight: number;
}

type Env = Record<string, string | undefined>;

export class RegistryError extends Error {}

/** PARLEY_<NAME>_<SUFFIX>: the agent's name in upper case, '-' as '_'. */
export function agentEnv(name: string, suffix: string): string {
  return `PARLEY_${name.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

/** PARLEY_W_<TERM>: a term's weight. */
export function weightEnv(term: string): string {
  return `PARLEY_W_${term.toUpperCase().replace(/-/g, '_')}`;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The registry's entries, with env overrides applied (address, port, weight;
 * PARLEY_AGENTS=a,b keeps only the named agents), checked as a whole: at
 * most one context agent, at least one proposer, at most one committer.
 */
export function parseRegistry(
  text: string,
  env: Env,
  host: string,
  source = 'the agent registry',
): AgentEntry[] {
  const f = docFields((m) => new RegistryError(`${source}: ${m}`));
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new RegistryError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const top = f.mapping(doc, '', ['agents']);
  const raw = f.list(top.agents, 'agents');
  const entries = raw.map((item, i) =>
    entryOf(f, f.mapping(item, `agents[${i}]`, ENTRY_KEYS), `agents[${i}]`, env, host),
  );
  const seen = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (seen.has(e.name)) f.fail(`agents[${i}].name`, `"${e.name}" is listed twice`);
    seen.add(e.name);
  }
  const only = (env.PARLEY_AGENTS ?? '').trim();
  let chosen = entries;
  if (only) {
    const names = only.split(',').map((n) => n.trim());
    for (const n of names) if (!seen.has(n)) f.fail('PARLEY_AGENTS', `no agent named "${n}" in the registry`);
    chosen = entries.filter((e) => names.includes(e.name));
  }
  const count = (role: Role) => chosen.filter((e) => e.roles.includes(role)).length;
  if (count('context') > 1) f.fail('agents', 'at most one agent may have the role context');
  if (count('proposer') < 1) f.fail('agents', 'at least one agent must have the role proposer');
  if (count('committer') > 1) f.fail('agents', 'at most one agent may have the role committer');
  return chosen;
}

/** One target of an agent address: a host name or an IP address, and a port. */
export interface AgentTarget {
  host: string;
  port: number;
}

/**
 * The targets of an agent address: `host:port`, or several comma-separated
 * (the agent's replicas; a host name may also resolve to several, see
 * services/common/grpc/agent-pool.ts). IPv6 literals go in brackets. Throws
 * saying what is wrong.
 */
export function agentTargets(address: string): AgentTarget[] {
  return address.split(',').map((part) => {
    const t = part.trim();
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(t);
    if (!m || Number(m[2]) > 65535)
      throw new Error(`"${t}" is not host:port (an agent address is host:port, or several comma-separated)`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  });
}

function addressOf(f: ReturnType<typeof docFields>, env: Env, name: string, def: string): string {
  const address = env[name] || def;
  try {
    agentTargets(address);
  } catch (err) {
    f.fail(name, (err as Error).message);
  }
  return address;
}

const ENTRY_KEYS = ['name', 'roles', 'port', 'metrics_port', 'share', 'fail_small', 'term', 'weight'];

function entryOf(f: ReturnType<typeof docFields>, o: Obj, path: string, env: Env, host: string): AgentEntry {
  const name = f.str(o.name, `${path}.name`);
  if (!NAME.test(name)) f.fail(`${path}.name`, 'lower-case letters and digits, words joined by "-"');
  const roleList = f.list(o.roles, `${path}.roles`);
  if (roleList.length === 0) f.fail(`${path}.roles`, `must name at least one of ${ROLES.join(', ')}`);
  const roles = roleList.map((r, i) => f.oneOf(r, `${path}.roles[${i}]`, ROLES));
  if (roles.includes('context') && roles.length > 1)
    f.fail(`${path}.roles`, 'an agent of role context has no other role');
  const failSmall = f.oneOf(o.fail_small, `${path}.fail_small`, FAIL_SMALL);
  for (const role of roles) {
    if (!FAIL_SMALL_OF_ROLE[role].includes(failSmall))
      f.fail(
        `${path}.fail_small`,
        `"${failSmall}" does not suit the role ${role} (${FAIL_SMALL_OF_ROLE[role].join(' or ')})`,
      );
  }
  const isContext = roles.includes('context');
  const term = isContext ? '' : f.str(o.term, `${path}.term`, name);
  const port = envInt(env, agentEnv(name, 'PORT'), f.int(o.port, `${path}.port`, 0, 65535), f);
  const weight = isContext
    ? 0
    : envNum(env, weightEnv(term), f.num(o.weight, `${path}.weight`, -100, 100, 1), f);
  return {
    name,
    roles,
    port,
    address: addressOf(f, env, agentEnv(name, 'ADDR'), `${host}:${port}`),
    metricsPort: f.int(o.metrics_port, `${path}.metrics_port`, 0, 65535, 0),
    share: f.num(o.share, `${path}.share`, 0.01, 1),
    failSmall,
    term,
    weight,
  };
}

function envInt(env: Env, name: string, def: number, f: ReturnType<typeof docFields>): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 65535)
    f.fail(name, `expected an integer in [0, 65535], got "${raw}"`);
  return v;
}

function envNum(env: Env, name: string, def: number, f: ReturnType<typeof docFields>): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < -100 || v > 100)
    f.fail(name, `expected a number in [-100, 100], got "${raw}"`);
  return v;
}

export function loadRegistry(path: string, env: Env, host: string): AgentEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegistryError(`cannot read the agent registry ${path}: ${(err as Error).message}`);
  }
  return parseRegistry(text, env, host, path);
}

/** The agents of a role, in registry order. */
export function agentsWithRole(agents: readonly AgentEntry[], role: Role): AgentEntry[] {
  return agents.filter((a) => a.roles.includes(role));
}

/** The entry of the agent called `name`; throws when the registry has none. */
export function agentNamed(agents: readonly AgentEntry[], name: string): AgentEntry {
  const a = agents.find((e) => e.name === name);
  if (!a) throw new RegistryError(`no agent named "${name}" in the registry`);
  return a;
}
