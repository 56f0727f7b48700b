/**
 * Static checks of the deployment files (deploy/**, .dockerignore) without a
 * Docker engine or a cluster: every YAML parses, kustomizations point at files
 * that exist, every workload runs a real `parley serve <name>` on the port the
 * config expects (the admin service also its dashboard's HTTP port), every
 * env var set is one services/common/config.ts or grpc/tls.ts reads, every
 * service has mutual TLS with its own certificate on a read-only mount (the
 * compose certs volume, a Kubernetes Secret per service), selectors match
 * pods, probes run the mTLS health check on the gRPC container port,
 * Prometheus scrapes each service's metrics port, and the Dockerfile builds
 * the compiled command and runs it with what it reads at run time, without
 * TensorFlow.js and with every package the services import. On the
 * manifests: the NetworkPolicies allow exactly the calls the code makes
 * (evaluated for every pair of workloads and port, and from outside), every
 * Deployment with more than one pod has a PodDisruptionBudget, Redis has a
 * password from the Secret its users (createRedis in their folder) read,
 * maxmemory with noeviction and an fsync'd AOF on a volume, and the
 * federated aggregator runs beside the services with its own certificate.
 * When kubectl is installed, the overlays are also rendered with its
 * built-in kustomize, validated against the Kubernetes schemas
 * (kubernetes-models, offline) and checked the same way. The health check
 * script itself runs against a plaintext and an mTLS server.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8sModels from 'kubernetes-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SERVICES, type ServiceName } from '../../bin/spawn';
import { DEFAULT_FEDERATED_PORT } from '../../federated/aggregator/server';
import { DEFAULT_METRICS_PORTS, loadConfig } from '../../services/common/config';
import { startServer } from '../../services/common/grpc/server';
import {
  isPlaintext,
  PLAINTEXT_ENV,
  TLS_CA_ENV,
  TLS_CERT_ENV,
  TLS_DIR_ENV,
  TLS_ENV_NAMES,
  TLS_IDENTITY_ENV,
  TLS_KEY_ENV,
} from '../../services/common/grpc/tls';
import { createLogger } from '../../services/common/log';
import { agentEnv, agentsWithRole, weightEnv } from '../../services/common/registry';
import { devCerts } from '../support/tls';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'k8s');

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------- helpers

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const rel = (p: string) => relative(ROOT, p);

function obj(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: not a mapping`);
  return v as Obj;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Every document of a YAML file, failing on any parse error or warning. */
function loadDocs(path: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    if (d.errors.length > 0 || d.warnings.length > 0) {
      throw new Error(`${rel(path)}: ${[...d.errors, ...d.warnings].map((e) => e.message).join('; ')}`);
    }
  }
  return list.map((d) => d.toJS() as unknown).filter((v): v is Obj => v !== null && typeof v === 'object');
}

/**
 * The env var names the configuration reads: those services/common/config.ts
 * names (grepped from its source), and each registered agent's port, address
 * and utility-term weight (services/common/registry.ts).
 */
function configEnvNames(): Set<string> {
  const src = readFileSync(join(ROOT, 'services/common/config.ts'), 'utf8');
  const names = new Set(
    [...src.matchAll(/\b(?:int|num|str)\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!),
  );
  for (const a of loadConfig({}).agents) {
    names.add(agentEnv(a.name, 'PORT'));
    names.add(agentEnv(a.name, 'ADDR'));
    if (a.term) names.add(weightEnv(a.term));
  }
  return names;
}

/**
 * The federated aggregator: deployed beside the services, run by `parley
 * federated` (not `parley serve`) under this certificate identity
 * (federated/aggregator/cli.ts setDefaultIdentity; its metrics port is
 * config.ts's DEFAULT_METRICS_PORTS entry of that name).
 */
const AGGREGATOR = 'aggregator';
/** What the deploy files run: every service of bin/parley.ts, and the aggregator. */
const WORKLOADS: readonly string[] = [...SERVICES, AGGREGATOR];

/** A service's gRPC port in `cfg`: the broker's and the admin service's, an agent's from the registry, the aggregator's default. */
function portOf(cfg: ReturnType<typeof loadConfig>, service: string): number | undefined {
  if (service === AGGREGATOR) return DEFAULT_FEDERATED_PORT;
  if (service === 'broker' || service === 'admin') return cfg.ports[service];
  return cfg.agents.find((a) => a.name === service)?.port;
}

const CONFIG_ENV = configEnvNames();
/** What a deployment file may set: config.ts's variables and the TLS ones grpc/tls.ts reads. */
const DEPLOY_ENV = new Set<string>([...CONFIG_ENV, ...TLS_ENV_NAMES]);
/** A service's default metrics port: config.ts's for the broker and admin service, the registry's for an agent. */
const defaultMetricsPort = (name: string) =>
  DEFAULT_METRICS_PORTS[name] ?? loadConfig({}).agents.find((a) => a.name === name)?.metricsPort;
const DEFAULTS = loadConfig({});
const SERVICE_SET = new Set<string>(SERVICES);
const WORKLOAD_SET = new Set<string>(WORKLOADS);

function isService(name: unknown): name is ServiceName {
  return typeof name === 'string' && SERVICE_SET.has(name);
}

function isWorkload(name: unknown): name is string {
  return typeof name === 'string' && WORKLOAD_SET.has(name);
}

/**
 * The ports a service's container listens on, in order: its gRPC port, then
 * (the admin service only) the dashboard's HTTP port.
 */
function containerPortsOf(service: ServiceName): number[] {
  return service === 'admin' ? [DEFAULTS.ports.admin, DEFAULTS.admin.httpPort] : [portOf(DEFAULTS, service)!];
}

/** The services the broker reaches, with the address it finds each at. */
function brokerPeers(cfg: ReturnType<typeof loadConfig>) {
  return [
    ...cfg.agents.map((a) => ({ name: a.name, env: agentEnv(a.name, 'ADDR'), address: a.address })),
    { name: 'admin' as const, env: 'PARLEY_ADMIN_ADDR', address: cfg.admin.address },
  ];
}

/** `host:port` → [host, port]. */
function hostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

/** What a `parley` command line runs: the service of `serve <name>`, the aggregator for `federated`, or null. */
function servedBy(argv: string[]): string | null {
  const i = argv.indexOf('serve');
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1]!;
  return argv.includes('federated') ? AGGREGATOR : null;
}

/** Files a command line names (relative paths ending in a source extension). */
function namedFiles(argv: string[]): string[] {
  return argv.filter((a) => /^[\w./-]+\.(ts|mjs|js)$/.test(a));
}

/** `npm run build`'s settings: tsc compiles the folders in `include` from rootDir to outDir. */
const BUILD = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
  include: string[];
};

/** Whether npm run build compiles this source file (it lies in one of the included folders). */
function built(path: string): boolean {
  return BUILD.include.some((folder) => path.startsWith(`${folder}/`));
}

/**
 * The file a command line runs, as it is in the repository: a compiled file
 * under the build's outDir (dist/ is not committed) is its TypeScript source.
 */
function sourceOf(file: string): string {
  const { outDir, rootDir } = BUILD.compilerOptions;
  if (!file.startsWith(`${outDir}/`) || !file.endsWith('.js')) return file;
  return join(rootDir, file.slice(outDir.length + 1).replace(/\.js$/, '.ts'));
}

function strings(v: unknown): string[] {
  return arr(v).map(String);
}

/** The files tls.ts reads for a container's mutual TLS: the mesh's CA, its certificate and key. */
interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * The certificate files a container's env makes grpc/tls.ts read, or null
 * when it is explicitly plaintext (PARLEY_PLAINTEXT=1). Anything else fails:
 * a service without certificates refuses to start. PARLEY_TLS_DIR needs
 * PARLEY_TLS_IDENTITY too, although the server defaults it to its service
 * name: the health check runs in the same env and cannot know the name.
 */
function tlsFilesOf(env: Record<string, string>, where: string): TlsFiles | null {
  if (isPlaintext(env)) return null;
  const [ca, cert, key] = [env[TLS_CA_ENV], env[TLS_CERT_ENV], env[TLS_KEY_ENV]];
  if (ca || cert || key) {
    expect([ca, cert, key].every(Boolean), `${where}: ${TLS_CA_ENV}, _CERT and _KEY all set`).toBe(true);
    for (const f of [ca, cert, key]) expect(posix.isAbsolute(f!), `${where}: ${f} is absolute`).toBe(true);
    return { ca: ca!, cert: cert!, key: key! };
  }
  const dir = env[TLS_DIR_ENV];
  const id = env[TLS_IDENTITY_ENV];
  expect(
    dir,
    `${where}: certificates (${TLS_DIR_ENV} or ${TLS_CA_ENV}/…), or ${PLAINTEXT_ENV}=1`,
  ).toBeTruthy();
  expect(posix.isAbsolute(dir!), `${where}: ${TLS_DIR_ENV} is absolute`).toBe(true);
  expect(id, `${where}: ${TLS_IDENTITY_ENV} (the health check needs it)`).toBeTruthy();
  return {
    ca: posix.join(dir!, 'ca.crt'),
    cert: posix.join(dir!, `${id}.crt`),
    key: posix.join(dir!, `${id}.key`),
  };
}

// ---------------------------------------------------------------- kubernetes

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Obj;
  data?: Record<string, string>;
}

function asK8s(docs: Obj[]): K8sObject[] {
  return docs.map((d) => {
    expect(typeof d.apiVersion, JSON.stringify(d).slice(0, 80)).toBe('string');
    expect(typeof d.kind).toBe('string');
    expect(typeof obj(d.metadata, 'metadata').name).toBe('string');
    return d as unknown as K8sObject;
  });
}

function podTemplate(o: K8sObject): { labels: Record<string, string>; spec: Obj } | null {
  if (!['Deployment', 'StatefulSet'].includes(o.kind)) return null;
  const t = obj(o.spec?.template, `${o.kind}/${o.metadata.name} template`);
  const meta = obj(t.metadata, 'template.metadata');
  return { labels: (meta.labels ?? {}) as Record<string, string>, spec: obj(t.spec, 'template.spec') };
}

/** command + args of a workload's first container. */
function argvOf(o: K8sObject): string[] {
  const c = obj(arr(podTemplate(o)?.spec.containers)[0], `${o.kind}/${o.metadata.name} container`);
  return [...strings(c.command), ...strings(c.args)];
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A ConfigMap as referenced from a pod: generator names get a hash suffix when rendered. */
function configMapNamed(all: K8sObject[], name: string, generated: Map<string, Record<string, string>>) {
  const cm = all.find(
    (o) => o.kind === 'ConfigMap' && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)),
  );
  return cm?.data ?? generated.get(name);
}

/**
 * The checks every set of manifests must pass (the raw base files, and each
 * overlay as kustomize renders it). `generated` holds the base's
 * configMapGenerator literals when checking raw files.
 */
function checkManifests(label: string, all: K8sObject[], generated: Map<string, Record<string, string>>) {
  const deployments = all.filter((o) => o.kind === 'Deployment');
  const served = new Map<string, K8sObject>();
  /** Each workload's config, as its env makes it. */
  const configs = new Map<string, ReturnType<typeof loadConfig>>();
  /** The Secret key (`secret/key`) each workload reads REDIS_PASSWORD from, if any. */
  const passwordRefs = new Map<string, string | undefined>();

  for (const d of deployments) {
    const where = `${label}: Deployment/${d.metadata.name}`;
    const pod = podTemplate(d)!;
    const selector = obj(d.spec?.selector, `${where} selector`).matchLabels as Record<string, string>;
    expect(matches(selector, pod.labels), `${where}: selector matches its pod labels`).toBe(true);
    expect(pod.spec.enableServiceLinks, `${where}: enableServiceLinks`).toBe(false);
    expect(obj(pod.spec.securityContext, `${where} securityContext`).runAsNonRoot, where).toBe(true);

    const containers = arr(pod.spec.containers).map((c) => obj(c, `${where} container`));
    expect(containers.length, where).toBe(1);
    const c = containers[0]!;
    const argv = argvOf(d);
    const service = servedBy(argv);
    expect(isWorkload(service), `${where}: "${argv.join(' ')}" serves a service of bin/parley.ts`).toBe(true);
    if (!isWorkload(service)) continue;
    expect(served.has(service), `${where}: ${service} served twice`).toBe(false);
    served.set(service, d);
    for (const f of namedFiles(argv)) {
      expect(existsSync(join(ROOT, sourceOf(f))), `${where}: ${f} is built from a file that exists`).toBe(
        true,
      );
    }
    // The compiled command, as the image holds it (no tsx there).
    expect(namedFiles(argv), where).toEqual(['dist/bin/parley.js']);
    expect(argv.join(' '), where).not.toContain('tsx');

    const ports = arr(c.ports).map((p) => obj(p, 'port'));
    expect(
      ports.map((p) => p.containerPort),
      `${where}: container ports are the config defaults for ${service}`,
    ).toEqual(containerPortsOf(service));
    const port = ports[0]!.containerPort;
    expect(port, `${where}: the first container port is gRPC`).toBe(portOf(DEFAULTS, service));
    if (service === 'admin') expect(ports.map((p) => p.name)).toEqual(['grpc', 'http']);
    // The kubelet's gRPC probe shows no client certificate, so mTLS servers are probed by the
    // image's health check (it calls with the pod's certificate) on the gRPC port.
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const p = obj(c[probe], `${where} ${probe}`);
      const cmd = strings(obj(p.exec, `${where} ${probe}.exec`).command);
      expect(cmd, `${where}: ${probe} runs grpc-health.mjs on ${port}`).toEqual([
        'node',
        'deploy/docker/grpc-health.mjs',
        String(port),
      ]);
      // Node starts in each probe: the 1 s default is too short on a busy node.
      expect(Number(p.timeoutSeconds ?? 1), `${where}: ${probe}.timeoutSeconds`).toBeGreaterThanOrEqual(3);
    }
    const res = obj(c.resources, `${where} resources`);
    for (const k of ['requests', 'limits']) {
      const r = obj(res[k], `${where} resources.${k}`);
      expect(r.cpu, `${where}: ${k}.cpu`).toBeDefined();
      expect(r.memory, `${where}: ${k}.memory`).toBeDefined();
    }
    const sc = obj(c.securityContext, `${where} container securityContext`);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    const mounts = arr(c.volumeMounts).map((m) => obj(m, 'mount'));
    expect(
      mounts.some((m) => m.mountPath === '/tmp'),
      `${where}: a writable /tmp on the read-only root`,
    ).toBe(true);

    // The env the container gets: its ConfigMaps, then its own env entries.
    const env: Record<string, string> = {};
    for (const from of arr(c.envFrom).map((e) => obj(e, 'envFrom'))) {
      const name = String(obj(from.configMapRef, `${where} configMapRef`).name);
      const data = configMapNamed(all, name, generated);
      expect(data, `${where}: ConfigMap ${name} exists`).toBeDefined();
      Object.assign(env, data);
    }
    const own = containerEnv(c, where);
    Object.assign(env, own.values);
    passwordRefs.set(service, own.secrets.get(REDIS_PASSWORD_ENV));
    for (const name of Object.keys(env))
      expect(DEPLOY_ENV, `${where}: env ${name} is read by config.ts or tls.ts`).toContain(name);
    // Mutual TLS from the pod's own Secret parley-tls-<service> (kubernetes.io/tls keys and
    // ca.crt, as cert-manager makes it), mounted read-only; plaintext only in the dev overlay.
    const tls = tlsFilesOf(env, where);
    if (tls === null) expect(label, `${where}: plaintext only in the dev overlay`).toBe('overlays/dev');
    const volumes = arr(pod.spec.volumes).map((v) => obj(v, 'volume'));
    for (const [role, path] of Object.entries(tls ?? {})) {
      const m = mounts.find((x) => path.startsWith(`${String(x.mountPath).replace(/\/$/, '')}/`));
      expect(m, `${where}: ${path} is in a mounted volume`).toBeDefined();
      expect(m!.readOnly, `${where}: ${String(m!.mountPath)} read-only`).toBe(true);
      const secret = obj(
        volumes.find((v) => v.name === m!.name)?.secret,
        `${where}: volume ${String(m!.name)} secret`,
      );
      expect(secret.secretName, `${where}: its own certificate`).toBe(`parley-tls-${service}`);
      const file = posix.relative(String(m!.mountPath), path);
      const items = arr(secret.items).map((i) => obj(i, 'item'));
      const key = items.length > 0 ? items.find((i) => i.path === file)?.key : file;
      expect(key, `${where}: ${path} is the Secret's key`).toBe(
        { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' }[role as keyof TlsFiles],
      );
    }

    const cfg = loadConfig(env, `parley-${service}`);
    configs.set(service, cfg);
    expect(portOf(cfg, service), `${where}: the config's port is the container port`).toBe(port);
    expect(cfg.host, `${where}: listens on every interface`).toBe('0.0.0.0');
    if (service === 'admin') {
      expect(cfg.admin.httpPort, `${where}: the dashboard listens on its container port`).toBe(
        ports[1]!.containerPort,
      );
    }
    // Prometheus scrapes the port this service's metrics endpoint listens on.
    const annotations = obj(
      obj(obj(d.spec?.template, 'template').metadata, 'template.metadata').annotations,
      `${where} pod annotations`,
    );
    expect(annotations['prometheus.io/scrape'], `${where}: scraped`).toBe('true');
    expect(annotations['prometheus.io/path'], `${where}: scrape path`).toBe('/metrics');
    expect(cfg.metricsPort, `${where}: metrics port`).toBe(defaultMetricsPort(service));
    expect(annotations['prometheus.io/port'], `${where}: scrape port`).toBe(String(cfg.metricsPort));

    // The broker finds each agent and the admin service through a Service that reaches its pods.
    if (service === 'broker') {
      for (const peer of brokerPeers(cfg)) {
        const [host, peerPort] = hostPort(peer.address);
        const svc = all.find((o) => o.kind === 'Service' && o.metadata.name === host);
        expect(svc, `${where}: ${peer.env} names a Service`).toBeDefined();
        const svcPorts = arr(svc!.spec?.ports).map((p) => obj(p, 'port'));
        expect(svcPorts.map((p) => p.port)).toContain(peerPort);
        // An agent's Service is headless: its name resolves to every pod, and brokers balance calls over them.
        if (peer.name !== 'admin')
          expect(svc!.spec?.clusterIP, `${where}: Service ${host} is headless`).toBe('None');
        expect(peerPort, `${where}: ${peer.env} is ${peer.name}'s gRPC port`).toBe(
          portOf(DEFAULTS, peer.name),
        );
        const target = deployments.find((o) => servedBy(argvOf(o)) === peer.name);
        expect(target, `${where}: a Deployment serves ${peer.name}`).toBeDefined();
        expect(
          matches(svc!.spec!.selector as Record<string, string>, podTemplate(target!)!.labels),
          `${where}: Service ${host} selects the ${peer.name} pods`,
        ).toBe(true);
      }
      if (cfg.redisUrl) {
        const redisHost = new URL(cfg.redisUrl).hostname;
        expect(
          all.some((o) => o.kind === 'Service' && o.metadata.name === redisHost),
          `${where}: REDIS_URL host ${redisHost} is a Service`,
        ).toBe(true);
      }
    }
  }
  expect([...served.keys()].sort(), `${label}: one Deployment per service`).toEqual([...WORKLOADS].sort());

  // Every Service selects pods that exist and targets a port they declare.
  for (const svc of all.filter((o) => o.kind === 'Service')) {
    const where = `${label}: Service/${svc.metadata.name}`;
    const selector = svc.spec?.selector as Record<string, string>;
    const pods = all.map(podTemplate).filter((p) => p !== null && matches(selector, p.labels));
    expect(pods.length, `${where}: selects exactly one workload's pods`).toBe(1);
    const containerPorts = arr(pods[0]!.spec.containers).flatMap((c) =>
      arr(obj(c, 'container').ports).map((p) => obj(p, 'port')),
    );
    for (const p of arr(svc.spec?.ports).map((x) => obj(x, 'port'))) {
      const target = p.targetPort ?? p.port;
      const found = containerPorts.some((cp) => cp.name === target || cp.containerPort === target);
      expect(found, `${where}: targetPort ${String(target)} is a container port`).toBe(true);
      const cp = containerPorts.find((x) => x.name === target || x.containerPort === target)!;
      expect(p.port, `${where}: port = container port`).toBe(cp.containerPort);
    }
  }

  // Every Deployment that runs more than one pod, or that an autoscaler scales, has a
  // PodDisruptionBudget; each budget covers one Deployment and lets one pod go at a time
  // (a budget of zero would block every node drain).
  const pdbs = all.filter((o) => o.kind === 'PodDisruptionBudget');
  const pdbSelects = (p: K8sObject, d: K8sObject) =>
    matches(
      obj(p.spec?.selector, 'pdb selector').matchLabels as Record<string, string>,
      podTemplate(d)!.labels,
    );
  for (const p of pdbs) {
    const where = `${label}: PodDisruptionBudget/${p.metadata.name}`;
    expect(deployments.filter((d) => pdbSelects(p, d)).length, `${where} covers one Deployment`).toBe(1);
    expect(p.spec?.maxUnavailable, `${where}: maxUnavailable`).toBe(1);
  }
  const autoscaled = new Set(
    all
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .map((h) => String(obj(h.spec?.scaleTargetRef, 'scaleTargetRef').name)),
  );
  for (const d of deployments) {
    const replicas = Number(d.spec?.replicas ?? 1);
    if (replicas <= 1 && !autoscaled.has(d.metadata.name)) continue;
    expect(
      pdbs.some((p) => pdbSelects(p, d)),
      `${label}: Deployment/${d.metadata.name} runs ${replicas} pods: a PodDisruptionBudget covers it`,
    ).toBe(true);
  }
  checkRedis(label, all, configs, passwordRefs);
  checkNetworkPolicies(label, all, served, configs);
  // An autoscaler, where there is one, scales a Deployment that exists.
  for (const hpa of all.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = obj(hpa.spec?.scaleTargetRef, 'scaleTargetRef');
    expect(deployments.some((d) => d.kind === ref.kind && d.metadata.name === ref.name)).toBe(true);
  }
}

/** The variable a workload reads Redis's password from (config.ts puts it into REDIS_URL). */
const REDIS_PASSWORD_ENV = 'REDIS_PASSWORD';

/**
 * A container's own env entries: the literal values, and for each one read
 * from a Secret its `secret/key` (its value here is a stand-in).
 */
function containerEnv(
  c: Obj,
  where: string,
): { values: Record<string, string>; secrets: Map<string, string> } {
  const values: Record<string, string> = {};
  const secrets = new Map<string, string>();
  for (const e of arr(c.env).map((x) => obj(x, 'env'))) {
    const name = String(e.name);
    if (e.valueFrom === undefined) {
      values[name] = String(e.value);
      continue;
    }
    const ref = obj(
      obj(e.valueFrom, `${where} env ${name}`).secretKeyRef,
      `${where}: env ${name} comes from a Secret`,
    );
    secrets.set(name, `${String(ref.name)}/${String(ref.key)}`);
    values[name] = `from-secret-${String(ref.name)}`;
  }
  return { values, secrets };
}

/** Each workload's own source folder. */
const SOURCE_FOLDERS: Record<string, string> = {
  ...Object.fromEntries(SERVICES.map((s) => [s, `services/${s}`])),
  [AGGREGATOR]: 'federated/aggregator',
};

/** The workloads whose own code opens a Redis connection (createRedis in their folder). */
const REDIS_USERS = new Set(
  Object.entries(SOURCE_FOLDERS)
    .filter(([, dir]) =>
      walk(join(ROOT, dir)).some(
        (f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes('createRedis('),
      ),
    )
    .map(([name]) => name),
);

/** Redis's sizes: `768mb` (redis.conf units) and `1Gi` (Kubernetes quantities), in bytes. */
function bytesOf(size: string): number {
  const m = /^(\d+)\s*(b|kb|mb|gb|Ki|Mi|Gi)?$/i.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', 'b');
  return Number(m[1]) * 1024 ** ['b', 'kb', 'mb', 'gb'].indexOf(unit);
}

/**
 * Redis as the manifests run it: a password from a Secret (the same one every
 * workload that uses Redis reads, and no other workload), maxmemory below its
 * memory limit with `noeviction` (refuse writes rather than evict budgets),
 * an fsync'd append-only file on a persistent volume.
 */
function checkRedis(
  label: string,
  all: K8sObject[],
  configs: Map<string, ReturnType<typeof loadConfig>>,
  passwordRefs: Map<string, string | undefined>,
) {
  const url = configs.get('broker')?.redisUrl;
  expect(url, `${label}: the broker has a REDIS_URL`).toBeTruthy();
  const host = new URL(url!).hostname;
  const svc = all.find((o) => o.kind === 'Service' && o.metadata.name === host)!;
  const sts = all.find(
    (o) =>
      o.kind === 'StatefulSet' &&
      matches(svc.spec?.selector as Record<string, string>, podTemplate(o)?.labels ?? {}),
  );
  const where = `${label}: StatefulSet/${sts?.metadata.name ?? '?'} (Service ${host})`;
  expect(sts, `${where} exists`).toBeDefined();
  const c = obj(arr(podTemplate(sts!)!.spec.containers)[0], `${where} container`);
  const args = strings(c.args);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    expect(i, `${where}: --${name}`).toBeGreaterThanOrEqual(0);
    return args[i + 1]!;
  };
  expect(flag('maxmemory-policy')).toBe('noeviction');
  const limit = bytesOf(String(obj(obj(c.resources, 'resources').limits, 'limits').memory));
  const max = bytesOf(flag('maxmemory'));
  expect(max, `${where}: maxmemory under the memory limit`).toBeLessThan(limit);
  expect(max, `${where}: maxmemory leaves room to fork for the AOF rewrite`).toBeLessThanOrEqual(0.8 * limit);
  expect(flag('appendonly')).toBe('yes');
  expect(flag('appendfsync')).toBe('always');
  expect(flag('requirepass')).toBe(`$(${REDIS_PASSWORD_ENV})`);
  const { secrets } = containerEnv(c, where);
  const ref = secrets.get(REDIS_PASSWORD_ENV);
  expect(ref, `${where}: requirepass from a Secret`).toBeDefined();
  expect(secrets.get('REDISCLI_AUTH'), `${where}: redis-cli in the probes authenticates`).toBe(ref);
  const data = arr(c.volumeMounts)
    .map((m) => obj(m, 'mount'))
    .find((m) => m.mountPath === '/data');
  const claims = arr(obj(sts!.spec, 'spec').volumeClaimTemplates).map((t) =>
    String(obj(obj(t, 'claim').metadata, 'claim metadata').name),
  );
  expect(claims, `${where}: /data (the AOF) on a PersistentVolumeClaim`).toContain(String(data?.name));
  for (const [name, got] of passwordRefs) {
    expect(
      got,
      `${label}: ${name} ${REDIS_USERS.has(name) ? 'reads' : 'does not need'} Redis's password`,
    ).toBe(REDIS_USERS.has(name) ? ref : undefined);
  }
}

// ---------------------------------------------------------------- network policies

/** Who sends: a pod (its labels, and its namespace's) or, with `labels` null, a host outside the cluster. */
interface Endpoint {
  what: string;
  ns: Record<string, string>;
  labels: Record<string, string> | null;
}

const NAMESPACE = 'parley';
const nsLabels = (name: string, extra: Record<string, string> = {}) => ({
  'kubernetes.io/metadata.name': name,
  ...extra,
});

/** A LabelSelector (matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist) against labels; {} selects all. */
function selects(selector: unknown, labels: Record<string, string>): boolean {
  const sel = (selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: Obj[] };
  const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (sel.matchExpressions ?? []).every((e) => {
    const v = labels[String(e.key)];
    const values = strings(e.values);
    if (e.operator === 'In') return v !== undefined && values.includes(v);
    if (e.operator === 'NotIn') return v === undefined || !values.includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    return v === undefined;
  });
  return byLabel && byExpr;
}

/** Whether a NetworkPolicy peer (from/to entry) matches an endpoint, for a policy in NAMESPACE. */
function peerMatches(peer: Obj, e: Endpoint): boolean {
  if (peer.ipBlock !== undefined) return e.labels === null;
  if (e.labels === null) return false;
  const inNs =
    peer.namespaceSelector === undefined
      ? e.ns['kubernetes.io/metadata.name'] === NAMESPACE
      : selects(peer.namespaceSelector, e.ns);
  return inNs && (peer.podSelector === undefined || selects(peer.podSelector, e.labels));
}

/** Whether a rule's ports admit a TCP port (no ports: every port). */
function portAdmits(ports: unknown, port: number): boolean {
  const list = arr(ports).map((p) => obj(p, 'port'));
  for (const p of list) expect(typeof p.port, 'NetworkPolicy ports are numbers').toBe('number');
  return list.length === 0 || list.some((p) => (p.protocol ?? 'TCP') === 'TCP' && p.port === port);
}

/**
 * Whether the policies of NAMESPACE let `pod` (its labels) take (ingress) or
 * make (egress) a connection with `peer` on `port`: allowed when no policy
 * selects the pod for that direction, else when one of their rules does.
 */
function admits(
  policies: K8sObject[],
  dir: 'Ingress' | 'Egress',
  pod: Record<string, string>,
  peer: Endpoint,
  port: number,
): boolean {
  const applying = policies.filter((p) => {
    const types = strings(p.spec?.policyTypes);
    const applies =
      types.length > 0 ? types.includes(dir) : dir === 'Ingress' || p.spec?.egress !== undefined;
    return applies && selects(p.spec?.podSelector, pod);
  });
  if (applying.length === 0) return true;
  const [rulesKey, peersKey] = dir === 'Ingress' ? ['ingress', 'from'] : ['egress', 'to'];
  return applying.some((p) =>
    arr(p.spec?.[rulesKey]).some((r) => {
      const rule = obj(r, `${p.metadata.name} rule`);
      const peers = arr(rule[peersKey]).map((x) => obj(x, 'peer'));
      return (peers.length === 0 || peers.some((x) => peerMatches(x, peer))) && portAdmits(rule.ports, port);
    }),
  );
}

/**
 * The NetworkPolicies allow exactly the calls the code makes, between the
 * workloads and from outside, on every port a workload listens on (its
 * container ports and its metrics port); every parley pod may resolve names
 * and send OTLP to the collector, and nothing else leaves the namespace.
 */
function checkNetworkPolicies(
  label: string,
  all: K8sObject[],
  served: Map<string, K8sObject>,
  configs: Map<string, ReturnType<typeof loadConfig>>,
) {
  const policies = all.filter((o) => o.kind === 'NetworkPolicy');
  const defaultDeny = policies.find(
    (p) =>
      Object.keys(obj(p.spec?.podSelector ?? {}, 'podSelector')).length === 0 &&
      ['Ingress', 'Egress'].every((t) => strings(p.spec?.policyTypes).includes(t)) &&
      arr(p.spec?.ingress).length === 0 &&
      arr(p.spec?.egress).length === 0,
  );
  expect(defaultDeny, `${label}: a default-deny NetworkPolicy (every pod, both ways)`).toBeDefined();

  const ns = nsLabels(NAMESPACE);
  const redisUrl = configs.get('broker')!.redisUrl;
  const redisHost = new URL(redisUrl).hostname;
  const redisSvc = all.find((o) => o.kind === 'Service' && o.metadata.name === redisHost)!;
  const redisPod = all
    .map(podTemplate)
    .find((t) => t !== null && matches(redisSvc.spec?.selector as Record<string, string>, t.labels))!;
  const redisPort = Number(new URL(redisUrl).port || 6379);

  // The pods, and what each listens on.
  const pods = new Map<string, { labels: Record<string, string>; ports: number[] }>();
  for (const [name, d] of served) {
    const t = podTemplate(d)!;
    const c = obj(arr(t.spec.containers)[0], 'container');
    pods.set(name, {
      labels: t.labels,
      ports: [
        ...arr(c.ports).map((p) => Number(obj(p, 'port').containerPort)),
        configs.get(name)!.metricsPort!,
      ],
    });
  }
  pods.set('redis', { labels: redisPod.labels, ports: [redisPort] });

  // Callers from outside the namespace.
  const outside: Endpoint[] = [
    { what: 'ad-server', ns: nsLabels('ads', { 'parley.io/ad-server': 'true' }), labels: {} },
    { what: 'operator', ns: nsLabels('ops', { 'parley.io/operator': 'true' }), labels: {} },
    { what: 'prometheus', ns: nsLabels('monitoring'), labels: {} },
    { what: 'other-namespace', ns: nsLabels('elsewhere'), labels: {} },
    { what: 'internet', ns: {}, labels: null },
  ];
  const inside: Endpoint[] = [...pods].map(([what, p]) => ({ what, ns, labels: p.labels }));

  // The calls the code makes.
  const expected = new Set<string>();
  const call = (from: string, to: string, port: number) => expected.add(`${from} -> ${to}:${port}`);
  const agents = configs.get('broker')!.agents;
  for (const a of agents) {
    call('broker', a.name, a.port); // one Negotiate stream per agent
    call('admin', a.name, a.port); // the dashboard's health checks (services/admin/sampler.ts)
  }
  // With Redis, the broker reads overrides and writes decision records there, not through admin.
  if (!redisUrl) call('broker', 'admin', DEFAULTS.ports.admin);
  const committer = agentsWithRole(agents, 'committer')[0]!;
  for (const [name, cfg] of configs) {
    // The inventory agent's online learner reads the committer's outcome log (services/inventory/outcome-feed.ts).
    if (name === 'inventory' && cfg.online.enabled) call(name, committer.name, committer.port);
  }
  for (const name of REDIS_USERS) call(name, 'redis', redisPort);
  call('ad-server', 'broker', DEFAULTS.ports.broker);
  call('operator', 'admin', DEFAULTS.ports.admin);
  call('operator', 'admin', DEFAULTS.admin.httpPort);
  // parley brand-lift: operators report survey results to the committer (ObjectiveAgent.ReportBrandLift).
  call('operator', committer.name, committer.port);
  for (const name of served.keys()) call('prometheus', name, configs.get(name)!.metricsPort!);
  // Federated clients are listeners' devices: from anywhere outside, known by their certificates
  // (no parley pod calls the aggregator: their egress stays closed).
  for (const e of outside) call(e.what, AGGREGATOR, DEFAULT_FEDERATED_PORT);

  const allowed = new Set<string>();
  for (const src of [...inside, ...outside]) {
    for (const [dst, p] of pods) {
      if (src.what === dst) continue;
      for (const port of p.ports) {
        // A caller outside the namespace: its own namespace's policies are not ours to check.
        const out =
          src.labels === null ||
          src.ns['kubernetes.io/metadata.name'] !== NAMESPACE ||
          admits(policies, 'Egress', src.labels, { what: dst, ns, labels: p.labels }, port);
        if (out && admits(policies, 'Ingress', p.labels, src, port))
          allowed.add(`${src.what} -> ${dst}:${port}`);
      }
    }
  }
  const blocked = [...expected].filter((c) => !allowed.has(c));
  const extra = [...allowed].filter((c) => !expected.has(c));
  if (blocked.length > 0 || extra.length > 0) {
    throw new Error(
      `${label}: the NetworkPolicies must allow exactly the calls the code makes; ` +
        `blocked: ${blocked.join(', ') || 'none'}; allowed but never made: ${extra.join(', ') || 'none'}`,
    );
  }

  // Out of the namespace: DNS and the collector, nothing else.
  const dns: Endpoint = { what: 'kube-dns', ns: nsLabels('kube-system'), labels: { 'k8s-app': 'kube-dns' } };
  const collector: Endpoint = { what: 'otel-collector', ns: nsLabels('observability'), labels: {} };
  const internet: Endpoint = { what: 'internet', ns: {}, labels: null };
  for (const [name, p] of pods) {
    if (name === 'redis') continue;
    expect(admits(policies, 'Egress', p.labels, dns, 53), `${label}: ${name} resolves names`).toBe(true);
    expect(admits(policies, 'Egress', p.labels, collector, 4318), `${label}: ${name} sends OTLP`).toBe(true);
    expect(admits(policies, 'Egress', p.labels, internet, 443), `${label}: ${name} → internet`).toBe(false);
    expect(
      admits(policies, 'Egress', p.labels, collector, redisPort),
      `${label}: ${name} → other ports`,
    ).toBe(false);
  }
}

// ---------------------------------------------------------------- schemas

type Validating = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an apiVersion and kind (`apps/v1` Deployment → k8sModels.apps.v1.Deployment). */
function modelOf(apiVersion: string, kind: string): Validating | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const key = group!
    .split('.')
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
  const modules = k8sModels as unknown as Record<string, Record<string, Record<string, Validating>>>;
  const byVersion = key === '' ? { [version!]: modules[version!] } : modules[key];
  return (byVersion?.[version!] as Record<string, Validating> | undefined)?.[kind];
}

/** Validates an object against its Kubernetes schema (OpenAPI, offline); the error names the field. */
function validateSchema(o: K8sObject): void {
  const Model = modelOf(o.apiVersion, o.kind);
  if (!Model) throw new Error(`${o.apiVersion} ${o.kind}: no schema in kubernetes-models`);
  try {
    new Model(o).validate();
  } catch (err) {
    throw new Error(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
  }
}

/**
 * The modules a set of entry files loads through static imports (what runs
 * at start; `import type` is erased by tsc, `import()` is left out: it loads
 * only on its own path, e.g. `parley experiment`), and the packages they
 * import, each with one file that imports it.
 */
function staticImports(entries: string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  const resolveFile = (from: string, spec: string) => {
    const base = resolve(dirname(join(ROOT, from)), spec);
    const candidates = [base, `${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
    const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (!hit) throw new Error(`${from}: cannot resolve ${spec}`);
    return relative(ROOT, hit);
  };
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(re)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) queue.push(resolveFile(file, spec));
      else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  }
  return { files, packages };
}

/** configMapGenerator literals of a kustomization, by ConfigMap name. */
function generatorLiterals(k: Obj): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const g of arr(k.configMapGenerator).map((x) => obj(x, 'configMapGenerator'))) {
    const data: Record<string, string> = {};
    for (const lit of strings(g.literals)) {
      const i = lit.indexOf('=');
      expect(i, `literal "${lit}" is KEY=value`).toBeGreaterThan(0);
      data[lit.slice(0, i)] = lit.slice(i + 1);
    }
    out.set(String(g.name), data);
  }
  return out;
}

function kubectlAvailable(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  op: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comment inside a continued instruction
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    cur += line;
    const m = /^(\w+)\s+(.*)$/s.exec(cur);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
    cur = '';
  }
  return out;
}

/** Whether a .dockerignore excludes `path` (simple patterns: names, dirs, `**`/`*` globs, `!` re-includes). */
function dockerIgnored(patterns: string[], path: string): boolean {
  const toRe = (p: string) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*/g, '[^/]*')}(?:/.*)?$`,
    );
  let ignored = false;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const p = (neg ? raw.slice(1) : raw).replace(/^\//, '');
    if (toRe(p).test(path)) ignored = !neg;
  }
  return ignored;
}

// ================================================================= tests

describe('deploy/: every YAML file', () => {
  const files = walk(DEPLOY).filter((f) => /\.ya?ml$/.test(f));

  it('finds the files it is meant to check', () => {
    const names = files.map(rel);
    expect(names).toContain('deploy/compose.yaml');
    expect(names).toContain('deploy/otel-collector.yaml');
    expect(names).toContain('deploy/k8s/base/kustomization.yaml');
    expect(names).toContain('deploy/k8s/overlays/dev/kustomization.yaml');
    expect(names).toContain('deploy/k8s/overlays/prod/kustomization.yaml');
  });

  it.each(files.map(rel))('%s parses without errors or warnings', (f) => {
    expect(loadDocs(join(ROOT, f)).length).toBeGreaterThan(0);
  });
});

describe('config.ts env surface (what the deploy files are checked against)', () => {
  it('greps every variable config.ts reads', () => {
    // A sample, so a broken grep (an empty set would pass every subset check) fails here.
    for (const name of [
      'PARLEY_HOST',
      'PARLEY_BROKER_PORT',
      'PARLEY_CONTEXT_ADDR',
      'REDIS_URL',
      'PARLEY_CATALOGUE',
    ]) {
      expect(CONFIG_ENV).toContain(name);
    }
    expect(CONFIG_ENV).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(CONFIG_ENV.size).toBeGreaterThanOrEqual(25);
  });

  it('the ports the files use are the config defaults', () => {
    expect(Object.fromEntries(SERVICES.map((name) => [name, portOf(DEFAULTS, name)]))).toEqual({
      broker: 50051,
      context: 50052,
      inventory: 50053,
      objective: 50054,
      admin: 50055,
      ...(SERVICES.includes('brand-safety') ? { 'brand-safety': 50056 } : {}),
    });
    expect(DEFAULTS.admin.httpPort, 'the dashboard').toBe(8055);
    expect(new Set(SERVICES.map((name) => portOf(DEFAULTS, name))).size, 'one gRPC port per service').toBe(
      SERVICES.length,
    );
    for (const name of SERVICES) {
      expect(loadConfig({}, `parley-${name}`).metricsPort, `${name} metrics`).toBe(defaultMetricsPort(name));
    }
    expect(DEFAULT_METRICS_PORTS.admin).toBe(9468);
  });
});

describe('kustomize', () => {
  const kustomizations = walk(K8S).filter((f) => /(^|\/)kustomization\.ya?ml$/.test(f));

  it('has a base and the dev and prod overlays', () => {
    expect(kustomizations.map(rel).sort()).toEqual([
      'deploy/k8s/base/kustomization.yaml',
      'deploy/k8s/overlays/dev/kustomization.yaml',
      'deploy/k8s/overlays/prod/kustomization.yaml',
    ]);
  });

  it.each(kustomizations.map(rel))('%s: every resource and patch exists', (f) => {
    const dir = dirname(join(ROOT, f));
    const k = loadDocs(join(ROOT, f))[0]!;
    expect(k.kind).toBe('Kustomization');
    const resources = strings(k.resources);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      const p = resolve(dir, r);
      expect(existsSync(p), `${f}: resource ${r}`).toBe(true);
      if (statSync(p).isDirectory()) {
        expect(existsSync(join(p, 'kustomization.yaml')), `${f}: ${r} is a kustomization`).toBe(true);
      } else {
        expect(asK8s(loadDocs(p)).length).toBeGreaterThan(0);
      }
    }
    for (const patch of arr(k.patches).map((x) => obj(x, 'patch'))) {
      expect(typeof patch.path, `${f}: patches are files`).toBe('string');
      expect(existsSync(resolve(dir, String(patch.path))), `${f}: patch ${String(patch.path)}`).toBe(true);
      expect(loadDocs(resolve(dir, String(patch.path))).length).toBeGreaterThan(0);
    }
  });

  it('overlay patches name objects the base defines', () => {
    const base = asK8s(
      strings(loadDocs(join(K8S, 'base/kustomization.yaml'))[0]!.resources).flatMap((r) =>
        loadDocs(join(K8S, 'base', r)),
      ),
    );
    for (const overlay of ['dev', 'prod']) {
      const dir = join(K8S, 'overlays', overlay);
      const k = loadDocs(join(dir, 'kustomization.yaml'))[0]!;
      const local = asK8s(
        strings(k.resources)
          .filter((r) => !r.startsWith('..'))
          .flatMap((r) => loadDocs(join(dir, r))),
      );
      const known = [...base, ...local];
      for (const patch of arr(k.patches).map((x) => obj(x, 'patch'))) {
        const target = patch.target ? obj(patch.target, 'target') : null;
        if (target) {
          // JSON 6902 patch with a target: the target must select something.
          const hits = known.filter(
            (o) =>
              (target.kind === undefined || o.kind === target.kind) &&
              (target.name === undefined ||
                new RegExp(`^(?:${String(target.name)})$`).test(o.metadata.name)) &&
              (target.labelSelector === undefined ||
                String(target.labelSelector)
                  .split(',')
                  .every((kv) => {
                    const [lk, lv] = kv.split('=');
                    return podTemplate(o)?.labels[lk!] === lv || o.metadata.labels?.[lk!] === lv;
                  })),
          );
          expect(hits.length, `${overlay}: patch ${String(patch.path)} selects objects`).toBeGreaterThan(0);
        } else {
          for (const p of asK8s(loadDocs(join(dir, String(patch.path))))) {
            expect(
              known.some((o) => o.kind === p.kind && o.metadata.name === p.metadata.name),
              `${overlay}: patch ${String(patch.path)} names ${p.kind}/${p.metadata.name}`,
            ).toBe(true);
          }
        }
      }
      for (const g of arr(k.configMapGenerator).map((x) => obj(x, 'gen'))) {
        expect(g.behavior, `${overlay}: ConfigMap ${String(g.name)} merges into the base one`).toBe('merge');
        const lits = generatorLiterals(k).get(String(g.name))!;
        for (const name of Object.keys(lits)) expect(DEPLOY_ENV, `${overlay}: ${name}`).toContain(name);
      }
    }
  });

  it('the schema check fails on a bad field, naming it, and on an object it has no schema for', () => {
    const base = asK8s(loadDocs(join(K8S, 'base/broker.yaml')));
    const deployment = base.find((o) => o.kind === 'Deployment')!;
    expect(() => validateSchema(deployment)).not.toThrow();
    const broken = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } };
    };
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'grpc';
    expect(() => validateSchema(broken as unknown as K8sObject)).toThrow(/containerPort/);
    const policy = asK8s(loadDocs(join(K8S, 'base/network-policies.yaml')))[0]!;
    expect(() => validateSchema({ ...policy, spec: { podSelector: {}, policyTypes: 'Ingress' } })).toThrow(
      /policyTypes/,
    );
    expect(() => validateSchema({ ...deployment, apiVersion: 'example.com/v1' })).toThrow(/no schema/);
  });

  it('derives who uses Redis from the code (createRedis in a workload folder)', () => {
    // A sample, so a broken grep fails here rather than passing every check.
    for (const name of ['broker', 'objective', 'admin', AGGREGATOR]) expect(REDIS_USERS).toContain(name);
    expect(REDIS_USERS).not.toContain('inventory');
  });

  it('the NetworkPolicy check sees a call the policies do not allow, and one they allow but the code does not make', () => {
    const k = loadDocs(join(K8S, 'base/kustomization.yaml'))[0]!;
    const all = asK8s(strings(k.resources).flatMap((r) => loadDocs(join(K8S, 'base', r))));
    const generated = generatorLiterals(k);
    // The inventory agent's online learner needs the objective agent: without its egress rule the check fails.
    const noLearner = all.map((o) =>
      o.kind === 'NetworkPolicy' && o.metadata.name === 'inventory'
        ? { ...o, spec: { ...o.spec, egress: [] } }
        : o,
    );
    expect(() => checkManifests('base', noLearner, generated)).toThrow(/inventory -> objective:50054/);
    // Opening Redis to every caller lets in callers from outside (a pod's own egress rules still hold).
    const open = all.map((o) =>
      o.kind === 'NetworkPolicy' && o.metadata.name === 'redis'
        ? { ...o, spec: { ...o.spec, ingress: [{ ports: [{ protocol: 'TCP', port: 6379 }] }] } }
        : o,
    );
    expect(() => checkManifests('base', open, generated)).toThrow(
      /allowed but never made: .*internet -> redis:6379/,
    );
  });

  it('base manifests: services, ports, probes, env, selectors', () => {
    const k = loadDocs(join(K8S, 'base/kustomization.yaml'))[0]!;
    const all = asK8s(strings(k.resources).flatMap((r) => loadDocs(join(K8S, 'base', r))));
    const generated = generatorLiterals(k);
    for (const [, data] of generated) {
      for (const name of Object.keys(data)) expect(DEPLOY_ENV, `ConfigMap key ${name}`).toContain(name);
    }
    checkManifests('base', all, generated);
    const broker = all.find((o) => o.kind === 'Deployment' && o.metadata.name === 'broker')!;
    expect(broker.spec?.replicas, 'the broker is replicated').toBe(2);
    expect(all.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis')).toBe(true);
    expect(all.some((o) => o.kind === 'Namespace')).toBe(true);
  });

  it.skipIf(!kubectlAvailable()).each(['base', 'overlays/dev', 'overlays/prod'])(
    '%s renders with kubectl kustomize and passes the same checks',
    (dir) => {
      const out = execFileSync('kubectl', ['kustomize', join(K8S, dir)], { encoding: 'utf8' });
      const all = asK8s(parseAllDocuments(out).map((d) => d.toJS() as Obj));
      // Every object against its Kubernetes schema (kubernetes-models: the OpenAPI schemas, offline).
      for (const o of all) validateSchema(o);
      checkManifests(dir, all, new Map());
      expect(all.filter((o) => o.kind === 'NetworkPolicy').length, 'NetworkPolicies').toBeGreaterThan(1);
      const broker = all.find((o) => o.kind === 'Deployment' && o.metadata.name === 'broker')!;
      const replicas = Number(broker.spec?.replicas);
      const hpas = all.filter((o) => o.kind === 'HorizontalPodAutoscaler');
      const hpa = hpas.find((o) => o.metadata.name === 'broker');
      if (dir === 'overlays/prod') {
        expect(replicas, 'prod runs more brokers than the base').toBeGreaterThan(2);
        expect(hpa, 'prod autoscales the broker').toBeDefined();
        expect(Number(hpa!.spec?.minReplicas)).toBeGreaterThanOrEqual(replicas);
        expect(Number(hpa!.spec?.maxReplicas)).toBeGreaterThan(Number(hpa!.spec?.minReplicas));
      }
      if (dir === 'overlays/prod') {
        // Agents autoscale too: brokers balance calls over every pod of an agent.
        const scaled = hpas.map((o) => String(obj(o.spec?.scaleTargetRef, 'scaleTargetRef').name)).sort();
        expect(scaled).toEqual(['broker', ...DEFAULTS.agents.map((a) => a.name)].sort());
      }
      if (dir === 'overlays/dev') expect(hpas).toEqual([]);
      if (dir === 'overlays/prod') {
        // The disruption-budget check has work to do: the broker and every agent run two pods or more.
        const multi = all.filter((o) => o.kind === 'Deployment' && Number(o.spec?.replicas) > 1);
        expect(multi.map((d) => d.metadata.name).sort()).toEqual(
          ['broker', ...DEFAULTS.agents.map((a) => a.name)].sort(),
        );
      }
    },
  );
});

describe('compose', () => {
  const compose = loadDocs(join(DEPLOY, 'compose.yaml'))[0]!;
  const services = obj(compose.services, 'services');

  it('runs redis, a collector, the certificates job, the services and the aggregator', () => {
    expect(Object.keys(services).sort()).toEqual(['certs', 'otel-collector', 'redis', ...WORKLOADS].sort());
  });

  /** `NAME:ROLE` specs the certs service's dev-certs.sh command makes, the directory it makes them in, and its mounts. */
  const certs = obj(services.certs, 'certs');
  const certsArgv = strings(certs.command);
  const script = certsArgv.findIndex((a) => a.endsWith('/dev-certs.sh'));
  const certsDir = certsArgv[script + 1] ?? '';
  const roles = new Map(certsArgv.slice(script + 2).map((spec) => spec.split(':') as [string, string]));
  const volumeOf = (v: string) => v.split(':') as [string, string, string?];

  it('certs: a one-shot job that makes the mesh certificates with scripts/dev-certs.sh into a named volume', () => {
    expect(script, 'runs dev-certs.sh').toBeGreaterThanOrEqual(0);
    expect(certsArgv[0]).toBe('bash');
    expect(certs.restart, 'one-shot').toBe('no');
    // Its image copies the script from its build context and has what the script runs.
    const build = obj(certs.build, 'certs.build');
    expect(existsSync(resolve(DEPLOY, String(build.context), 'dev-certs.sh'))).toBe(true);
    expect(resolve(DEPLOY, String(build.context), 'dev-certs.sh')).toBe(join(ROOT, 'scripts/dev-certs.sh'));
    const inline = String(build.dockerfile_inline);
    expect(inline).toContain(`COPY dev-certs.sh ${certsArgv[script]}`);
    expect(inline).toMatch(/apk add[^\n]*\bbash\b/);
    expect(inline).toMatch(/apk add[^\n]*\bopenssl\b/);
    // The keys are mode 600: made by the uid the services run as (the image's "node", 1000).
    expect(String(certs.user).split(':')[0]).toBe('1000');
    expect(inline).toContain(`chown 1000:1000 ${certsDir}`);
    const mount = strings(certs.volumes)
      .map(volumeOf)
      .find(([, dst]) => dst === certsDir);
    expect(mount, `certs: ${certsDir} is a volume`).toBeDefined();
    expect(Object.keys(obj(compose.volumes, 'volumes')), 'a named volume').toContain(mount![0]);
    for (const [name, role] of roles) {
      expect(['service', 'ad-server', 'federated-client', 'operator'], `${name}:${role}`).toContain(role);
    }
    // The header's grpcurl line calls the broker with the ad server's certificate.
    expect(roles.get('ad-server')).toBe('ad-server');
    const header = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8');
    expect(header).not.toContain('-plaintext');
    expect(header).toMatch(
      /grpcurl -cacert \S+ca\.crt -cert \S+ad-server\.crt \\\n#\s+-key \S+ad-server\.key/,
    );
  });

  it.each([...WORKLOADS])(
    '%s: mutual TLS with its own certificate from the certs volume, mounted read-only',
    (name) => {
      const s = obj(services[name], name);
      const env = Object.fromEntries(
        Object.entries(obj(s.environment, `${name}.environment`)).map(([k, v]) => [k, String(v)]),
      );
      const files = tlsFilesOf(env, name);
      expect(files, `${name}: compose runs mTLS, not plaintext`).not.toBeNull();
      const certsMount = new Map(
        strings(certs.volumes)
          .map(volumeOf)
          .map(([v, dst]) => [v, dst]),
      );
      for (const path of Object.values(files!)) {
        const mount = strings(s.volumes)
          .map(volumeOf)
          .find(([, dst]) => path.startsWith(`${dst}/`));
        expect(mount, `${name}: ${path} is in a mounted volume`).toBeDefined();
        const [volume, dst, mode] = mount!;
        expect(mode, `${name}: ${dst} read-only`).toBe('ro');
        expect(certsMount.has(volume), `${name}: ${volume} is the certs service's volume`).toBe(true);
        // The file is one the certs service makes there.
        const made = posix.relative(
          certsDir,
          posix.join(certsMount.get(volume)!, path.slice(dst.length + 1)),
        );
        const id = made.replace(/\.(crt|key)$/, '');
        expect(made === 'ca.crt' || roles.has(id), `${name}: certs makes ${made}`).toBe(true);
      }
      // Its certificate is its service name (the host peers dial) with the role service.
      expect(posix.basename(files!.cert)).toBe(`${name}.crt`);
      expect(roles.get(name)).toBe('service');
      const deps = obj(s.depends_on, `${name}.depends_on`);
      expect(obj(deps.certs, 'certs').condition, `${name}: starts after the certificates exist`).toBe(
        'service_completed_successfully',
      );
      // The health check runs in the same env, so it calls with the same certificate.
      expect(strings(obj(s.healthcheck, 'healthcheck').test)).toContain('deploy/docker/grpc-health.mjs');
    },
  );

  it.each([...WORKLOADS])('%s: serves itself with an env config.ts reads, wired to real services', (name) => {
    const s = obj(services[name], name);
    const argv = strings(s.command);
    expect(servedBy(argv)).toBe(name);
    const env = obj(s.environment, `${name}.environment`) as Record<string, unknown>;
    for (const k of Object.keys(env)) expect(DEPLOY_ENV, `${name}: env ${k}`).toContain(k);
    const cfg = loadConfig(
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      `parley-${name}`,
    );
    expect(cfg.host).toBe('0.0.0.0');
    expect(portOf(cfg, name)).toBe(portOf(DEFAULTS, name));
    // Its gRPC and metrics ports are reachable by the other containers (exposed or published).
    const reachable = [...strings(s.expose), ...strings(s.ports).map((p) => p.split(':').pop()!)];
    for (const p of [...containerPortsOf(name), cfg.metricsPort]) {
      expect(reachable, `${name}: port ${String(p)} exposed or published`).toContain(String(p));
    }
    expect(cfg.redisUrl).not.toBe('');
    expect(Object.keys(services)).toContain(new URL(cfg.redisUrl).hostname);
    const otlp = new URL(cfg.otlpEndpoint);
    expect(Object.keys(services)).toContain(otlp.hostname);
    expect(otlp.port, 'OTLP/HTTP').toBe('4318');
    for (const peer of brokerPeers(cfg)) {
      expect(hostPort(peer.address), peer.env).toEqual([peer.name, portOf(DEFAULTS, peer.name)]);
    }
    // The health check asks this service's own port, with a script that ships in the image.
    const test = strings(obj(s.healthcheck, `${name}.healthcheck`).test);
    expect(test).toContain(String(portOf(DEFAULTS, name)));
    for (const f of namedFiles(test)) expect(existsSync(join(ROOT, f)), f).toBe(true);
    // Build context and Dockerfile exist; bind mounts point at real paths.
    const build = obj(s.build, `${name}.build`);
    const context = resolve(DEPLOY, String(build.context));
    expect(existsSync(join(context, String(build.dockerfile)))).toBe(true);
    for (const v of strings(s.volumes)) {
      const src = v.split(':')[0]!;
      if (src.startsWith('.')) expect(existsSync(resolve(DEPLOY, src)), `${name}: volume ${src}`).toBe(true);
    }
    if (cfg.cataloguePath !== DEFAULTS.cataloguePath) {
      const mount = strings(s.volumes).find((v) => cfg.cataloguePath.startsWith(`${v.split(':')[1]}/`));
      expect(mount, `${name}: PARLEY_CATALOGUE is inside a mounted volume`).toBeDefined();
      const [src, dst] = mount!.split(':') as [string, string];
      expect(existsSync(join(resolve(DEPLOY, src), cfg.cataloguePath.slice(dst.length)))).toBe(true);
    }
  });

  it('publishes only the broker on 50051 (after the agents are healthy), the admin dashboard on 8055 and the aggregator', () => {
    const published = Object.entries(services).filter(([, s]) => obj(s, 's').ports !== undefined);
    expect(published.map(([n]) => n).sort()).toEqual(['admin', AGGREGATOR, 'broker']);
    // Federated clients are outside the mesh (listeners' devices).
    expect(strings(obj(services[AGGREGATOR], AGGREGATOR).ports)).toEqual([
      `${DEFAULT_FEDERATED_PORT}:${DEFAULT_FEDERATED_PORT}`,
    ]);
    expect(strings(obj(services.broker, 'broker').ports)).toEqual(['50051:50051']);
    // The dashboard only: the admin service's gRPC API stays inside the compose network.
    expect(strings(obj(services.admin, 'admin').ports)).toEqual([
      `${DEFAULTS.admin.httpPort}:${DEFAULTS.admin.httpPort}`,
    ]);
    const deps = obj(obj(services.broker, 'broker').depends_on, 'depends_on');
    for (const agent of ['context', 'inventory', 'objective']) {
      expect(obj(deps[agent], agent).condition).toBe('service_healthy');
    }
  });

  it("redis: a password the services that use it share, maxmemory with noeviction, an fsync'd AOF on a volume", () => {
    const redis = obj(services.redis, 'redis');
    const argv = strings(redis.command);
    const flag = (name: string) => argv[argv.indexOf(`--${name}`) + 1];
    expect(flag('maxmemory-policy')).toBe('noeviction');
    expect(bytesOf(flag('maxmemory')!)).toBeGreaterThan(0);
    expect(flag('appendonly')).toBe('yes');
    expect(flag('appendfsync')).toBe('always');
    const password = flag('requirepass');
    // From the environment at `up` (interpolated), with a development default.
    expect(password).toMatch(/^\$\{PARLEY_REDIS_PASSWORD:-[^}]+\}$/);
    expect(String(obj(redis.environment, 'redis.environment').REDISCLI_AUTH), 'the health check').toBe(
      password,
    );
    for (const name of REDIS_USERS) {
      const env = obj(obj(services[name], name).environment, `${name}.environment`);
      expect(String(env[REDIS_PASSWORD_ENV]), `${name}: ${REDIS_PASSWORD_ENV}`).toBe(password);
    }
    expect(strings(redis.volumes).map((v) => v.split(':')[1])).toContain('/data');
  });

  it('mounts the collector config it ships', () => {
    const c = obj(services['otel-collector'], 'otel-collector');
    const mount = strings(c.volumes).find((v) => v.includes('otel-collector.yaml'))!;
    expect(existsSync(resolve(DEPLOY, mount.split(':')[0]!))).toBe(true);
    expect(strings(c.command).join(' ')).toContain(mount.split(':')[1]!);
  });
});

describe('otel-collector.yaml', () => {
  const cfg = loadDocs(join(DEPLOY, 'otel-collector.yaml'))[0]!;

  it('receives OTLP over http (4318) and grpc (4317)', () => {
    const protocols = obj(obj(obj(cfg.receivers, 'receivers').otlp, 'otlp').protocols, 'protocols');
    expect(String(obj(protocols.http, 'http').endpoint)).toMatch(/:4318$/);
    expect(String(obj(protocols.grpc, 'grpc').endpoint)).toMatch(/:4317$/);
  });

  it('every pipeline uses components that are defined, with batch and debug on traces', () => {
    const pipelines = obj(obj(cfg.service, 'service').pipelines, 'pipelines');
    expect(Object.keys(pipelines)).toContain('traces');
    for (const [name, p] of Object.entries(pipelines)) {
      const pipe = obj(p, name);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        const defined = Object.keys(obj(cfg[kind], kind));
        for (const id of strings(pipe[kind])) expect(defined, `${name}.${kind}: ${id}`).toContain(id);
      }
    }
    const traces = obj(pipelines.traces, 'traces');
    expect(strings(traces.processors)).toContain('batch');
    expect(strings(traces.exporters)).toContain('debug');
    // The backend exporter ships commented out, ready to enable.
    expect(readFileSync(join(DEPLOY, 'otel-collector.yaml'), 'utf8')).toMatch(/#\s+otlp\/backend:/);
  });
});

describe('compose.jaeger.yaml (traces in Jaeger)', () => {
  const base = obj(loadDocs(join(DEPLOY, 'compose.yaml'))[0]!.services, 'services');
  const override = obj(loadDocs(join(DEPLOY, 'compose.jaeger.yaml'))[0]!.services, 'services');

  /** The collector's configs merged as it merges its --config files: maps deeply, anything else replaced. */
  const merge = (a: unknown, b: unknown): unknown => {
    const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isMap(a) || !isMap(b)) return b;
    const out: Obj = { ...(a as Obj) };
    for (const [k, v] of Object.entries(b as Obj)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  };

  it('adds Jaeger with its UI published, and only overrides services compose.yaml has', () => {
    const jaeger = obj(override.jaeger, 'jaeger');
    expect(String(jaeger.image)).toMatch(/^jaegertracing\/all-in-one:\d+\.\d+\.\d+$/);
    expect(strings(jaeger.ports)).toContain('16686:16686');
    for (const name of Object.keys(override))
      if (name !== 'jaeger') expect(Object.keys(base)).toContain(name);
    // Every parley service records every trace, so any decision can be looked up.
    for (const name of SERVICES) {
      expect(obj(obj(override[name], name).environment, name).OTEL_TRACES_SAMPLER, name).toBe('always_on');
    }
  });

  it('the collector reads its own config and the Jaeger one, which forwards traces to the Jaeger service', () => {
    const c = obj(override['otel-collector'], 'otel-collector');
    const mounts = new Map(strings(c.volumes).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));
    const baseMounts = new Map(
      strings(obj(base['otel-collector'], 'otel-collector').volumes).map((v) => [
        v.split(':')[1]!,
        v.split(':')[0]!,
      ]),
    );
    const configs = strings(c.command).map((a) => a.replace(/^--config=/, ''));
    expect(configs).toHaveLength(2);
    const files = configs.map((path) => {
      const host = mounts.get(path) ?? baseMounts.get(path);
      expect(host, path).toBeDefined();
      return loadDocs(resolve(DEPLOY, host!))[0]!;
    });
    const cfg = obj(merge(files[0], files[1]), 'merged collector config');
    const traces = obj(obj(obj(cfg.service, 'service').pipelines, 'pipelines').traces, 'traces');
    const exporters = obj(cfg.exporters, 'exporters');
    for (const id of strings(traces.exporters)) expect(Object.keys(exporters), id).toContain(id);
    expect(strings(traces.exporters)).toEqual(expect.arrayContaining(['debug', 'otlp/jaeger']));
    const endpoint = String(obj(exporters['otlp/jaeger'], 'otlp/jaeger').endpoint);
    expect(endpoint).toBe('jaeger:4317');
    expect(strings(obj(override.jaeger, 'jaeger').expose)).toContain('4317');
  });
});

describe('compose.metrics.yaml (Prometheus and Grafana)', () => {
  const base = obj(loadDocs(join(DEPLOY, 'compose.yaml'))[0]!.services, 'services');
  const override = obj(loadDocs(join(DEPLOY, 'compose.metrics.yaml'))[0]!.services, 'services');
  /** container path → host path (relative to deploy/) of a service's bind mounts. */
  const mounts = (service: string) =>
    new Map(
      strings(obj(override[service], service).volumes).map((v) => [v.split(':')[1]!, v.split(':')[0]!]),
    );

  it('Prometheus scrapes every service on its metrics port, and loads the alert rules it ships', () => {
    const prometheus = obj(override.prometheus, 'prometheus');
    const configPath = strings(prometheus.command)
      .find((a) => a.startsWith('--config.file='))!
      .split('=')[1]!;
    const files = mounts('prometheus');
    const cfg = loadDocs(resolve(DEPLOY, files.get(configPath)!))[0]!;
    const targets = (cfg.scrape_configs as Obj[]).flatMap((job) =>
      (job.static_configs as Obj[]).flatMap((c) => strings(c.targets)),
    );
    expect(targets.map((t) => t.split(':')[0]).sort()).toEqual([...SERVICES].sort());
    for (const t of targets) {
      const [host, port] = t.split(':') as [string, string];
      expect(Number(port), t).toBe(defaultMetricsPort(host));
      expect(strings(obj(base[host], host).expose), t).toContain(port);
    }
    for (const rules of strings(cfg.rule_files)) {
      expect(resolve(DEPLOY, files.get(rules)!)).toBe(join(DEPLOY, 'prometheus/alerts.yaml'));
    }
  });

  it('Grafana gets the Prometheus data source and the parley dashboard', () => {
    const files = mounts('grafana');
    const provisioning = resolve(DEPLOY, files.get('/etc/grafana/provisioning')!);
    const ds = loadDocs(join(provisioning, 'datasources/prometheus.yaml'))[0]!;
    expect((ds.datasources as Obj[])[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const provider = (loadDocs(join(provisioning, 'dashboards/parley.yaml'))[0]!.providers as Obj[])[0]!;
    const dir = String(obj(provider.options, 'options').path);
    const dashboard = [...files].find(([container]) => container.startsWith(`${dir}/`));
    expect(dashboard && resolve(DEPLOY, dashboard[1])).toBe(join(DEPLOY, 'grafana/parley.json'));
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = parseDockerfile(readFileSync(join(DEPLOY, 'docker/Dockerfile'), 'utf8'));
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const last = (op: string) => [...dockerfile].reverse().find((i) => i.op === op);

  /** The instructions of each stage (`FROM … AS name`), by name. */
  const stages = new Map<string, Instruction[]>();
  let stage: Instruction[] = [];
  for (const i of dockerfile) {
    if (i.op === 'FROM') {
      stage = [];
      stages.set(/\bAS\s+(\S+)$/i.exec(i.args)?.[1] ?? `#${stages.size}`, stage);
    } else stage.push(i);
  }
  const runtime = [...stages.values()].at(-1)!;
  /** Where the runtime stage copies a stage's /app/<path> from: `COPY --from=<stage> /app/<path> …`. */
  const copiedFrom = (path: string) =>
    runtime.find((i) => i.op === 'COPY' && new RegExp(`^--from=\\S+\\s+/app/${path}\\s`).test(i.args));
  const stageOf = (copy: Instruction | undefined) =>
    stages.get(/^--from=(\S+)/.exec(copy?.args ?? '')?.[1] ?? '');

  it('parses the instructions (sanity check of the parser)', () => {
    expect(dockerfile.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(3);
    expect(dockerfile.some((i) => i.op === 'RUN' && i.args.includes('npm cache clean'))).toBe(true);
    expect([...stages.keys()]).toEqual(['build', 'deps', 'runtime']);
  });

  it('builds from a current Node LTS (node:26-slim); the runtime gets production dependencies only', () => {
    const arg = dockerfile.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toBe('NODE_IMAGE=node:26-slim');
    const modules = stageOf(copiedFrom('node_modules'));
    expect(modules, 'node_modules from a stage').toBeDefined();
    const ci = modules!.find((i) => i.op === 'RUN' && i.args.includes('npm ci'))?.args;
    expect(ci).toContain('--omit=dev');
    expect(ci, 'not the optional dependencies (TensorFlow.js)').toContain('--omit=optional');
    // What only builds or runs the sources is a development dependency, so it stays out of the image.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dev of ['tsx', 'typescript']) {
      expect(Object.keys(pkg.dependencies), dev).not.toContain(dev);
      expect(Object.keys(pkg.devDependencies), dev).toContain(dev);
    }
  });

  /** The lock file's packages `npm ci` installs with the runtime's --omit flags (node_modules/<name> → version). */
  const runtimePackages = () => {
    const run = stageOf(copiedFrom('node_modules'))!.find(
      (i) => i.op === 'RUN' && i.args.includes('npm ci'),
    )!;
    const omit = new Set([...run.args.matchAll(/--omit=(\w+)/g)].map((m) => m[1]!));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    return new Set(
      Object.entries(lock.packages)
        .filter(
          ([path, p]) =>
            path !== '' &&
            !(p.dev && omit.has('dev')) &&
            !(p.optional && omit.has('optional')) &&
            !(p.devOptional && omit.has('dev') && omit.has('optional')),
        )
        .map(([path]) => path),
    );
  };

  it('TensorFlow.js stays out of the image: an optional dependency the runtime does not install', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    const tf = Object.keys(pkg.optionalDependencies).filter((n) => n.startsWith('@tensorflow/'));
    expect(tf.length, 'tfjs is an optional dependency (npm ci installs it for training)').toBeGreaterThan(0);
    expect(Object.keys(pkg.dependencies).filter((n) => n.startsWith('@tensorflow/'))).toEqual([]);
    const installed = runtimePackages();
    expect([...installed].filter((p) => p.includes('@tensorflow/'))).toEqual([]);
    // The production dependencies are there (the set is not empty by mistake).
    for (const dep of Object.keys(pkg.dependencies)) expect(installed, dep).toContain(`node_modules/${dep}`);
  });

  it('what the image runs imports only packages the image installs (no tfjs, no dev dependency)', () => {
    // Every workload's entry: the command, each service's and agent's folder (loaded by name), the aggregator, the health check.
    const entries = [
      'bin/parley.ts',
      ...SERVICES.map((s) => `services/${s}/server.ts`),
      'federated/aggregator/cli.ts',
      'deploy/docker/grpc-health.mjs',
      'services/common/grpc/tls.ts',
    ];
    const graph = staticImports(entries);
    const installed = runtimePackages();
    const packages = [...graph.packages.keys()];
    expect(packages, 'finds the packages the services import').toEqual(
      expect.arrayContaining(['@grpc/grpc-js', 'ioredis', 'yaml']),
    );
    for (const name of packages) {
      expect(installed.has(`node_modules/${name}`), `${name} (imported by ${graph.packages.get(name)})`).toBe(
        true,
      );
    }
    expect(packages.filter((n) => n.startsWith('@tensorflow/'))).toEqual([]);
    // The check sees tfjs where training imports it.
    expect([...staticImports(['sim/experiments/run.ts']).packages.keys()]).toContain('@tensorflow/tfjs');
  });

  it('compiles in a build stage (npm run build) and the runtime takes its dist/', () => {
    const build = stageOf(copiedFrom(BUILD.compilerOptions.outDir));
    expect(build, `COPY --from=<stage> /app/${BUILD.compilerOptions.outDir}`).toBeDefined();
    expect(build!.some((i) => i.op === 'RUN' && /^npm run build\b/.test(i.args))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
  });

  it('the runtime has what the services read from the project root (services/common/paths.ts)', () => {
    // Where each source lands under /app: into a destination directory (`./`, `dir/`) by its name.
    const copied = runtime
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => {
        const parts = i.args.split(/\s+/);
        const dest = parts.at(-1)!;
        return parts
          .slice(0, -1)
          .map((src) => (dest.endsWith('/') || dest === '.' ? posix.join(dest, posix.basename(src)) : dest))
          .map((d) => posix.normalize(d).replace(/\/$/, ''));
      });
    // package.json marks the root, and makes dist/ ES modules ("type": "module").
    expect(copied).toContain('package.json');
    const read = walk(join(ROOT, 'services'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/\bprojectPath\(\s*'([^']+)'/g)].map((m) => m[1]!),
      );
    expect(read, 'finds the uses it is meant to check').toEqual(
      expect.arrayContaining(['proto', 'catalogue/sample.yaml', 'web']),
    );
    for (const path of read) {
      expect(
        copied.some((dest) => path === dest || path.startsWith(`${dest}/`) || dest.startsWith(`${path}/`)),
        `${path} is copied into the runtime image`,
      ).toBe(true);
    }
  });

  it('runs as a non-root user', () => {
    const user = last('USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('ENTRYPOINT + CMD run the compiled `parley serve <service>` on plain node', () => {
    const entry = JSON.parse(last('ENTRYPOINT')!.args) as string[];
    const cmd = JSON.parse(last('CMD')!.args) as string[];
    const argv = [...entry, ...cmd];
    expect(argv.slice(0, 2)).toEqual(['node', 'dist/bin/parley.js']);
    expect(argv.join(' ')).not.toContain('tsx');
    // It is what npm run build makes of bin/parley.ts.
    expect(sourceOf('dist/bin/parley.js')).toBe('bin/parley.ts');
    expect(built('bin/parley.ts')).toBe(true);
    expect(existsSync(join(ROOT, 'bin/parley.ts'))).toBe(true);
    expect(isService(servedBy(argv))).toBe(true);
  });

  it('sets only env vars config.ts or tls.ts reads, and exposes the default ports (gRPC, and the dashboard)', () => {
    for (const e of dockerfile.filter((i) => i.op === 'ENV')) {
      const name = e.args.split(/[=\s]/)[0]!;
      expect(DEPLOY_ENV).toContain(name);
    }
    const exposed = dockerfile
      .filter((i) => i.op === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/).map(Number))
      .sort((a, b) => a - b);
    expect(exposed).toEqual(SERVICES.flatMap(containerPortsOf).sort((a, b) => a - b));
  });

  it('copies what exists, and .dockerignore keeps what the services need', () => {
    for (const i of dockerfile.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from'))) {
      for (const src of i.args.split(/\s+/).slice(0, -1)) {
        if (src === '.') continue;
        expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
      }
    }
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts/fix-esm-imports.mjs',
      'bin/parley.ts',
      'bin/spawn.ts',
      'services/common/config.ts',
      'proto/parley/v1/common.proto',
      'catalogue/sample.yaml',
      'deploy/docker/grpc-health.mjs',
      'services/admin/server.ts',
      // The dashboard's page and assets, read from web/ at run time.
      'web/index.html',
      'web/app.js',
      'web/style.css',
      'models/inventory',
    ]) {
      expect(dockerIgnored(ignore, needed), `${needed} reaches the image`).toBe(false);
    }
    for (const left of [
      'node_modules/tsx/package.json',
      '.git/HEAD',
      'test/unit/deploy.test.ts',
      'deploy/compose.yaml',
      // A local build: the image builds its own.
      'dist/bin/parley.js',
      'dist/.tsbuildinfo',
    ]) {
      expect(dockerIgnored(ignore, left), `${left} stays out of the image`).toBe(true);
    }
  });
});

describe('deploy/docker/grpc-health.mjs', () => {
  const log = createLogger('deploy-test', 'error');
  let certs: string;
  let otherCa: string;
  beforeAll(() => {
    certs = mkdtempSync(join(tmpdir(), 'parley-health-'));
    otherCa = mkdtempSync(join(tmpdir(), 'parley-health-other-'));
    devCerts(certs, ['context:service', 'ad-server:ad-server']);
    devCerts(otherCa, ['context:service']);
  });
  afterAll(() => {
    rmSync(certs, { recursive: true, force: true });
    rmSync(otherCa, { recursive: true, force: true });
  });

  /**
   * Runs the script as a container does, with `env` instead of this process's
   * TLS settings. Asynchronous: the server answering lives in this process's
   * event loop. `--import tsx`: without a build it loads tls.ts from source
   * (about a second per check, more on a busy machine).
   */
  const check = (port: number, env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const base = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !(TLS_ENV_NAMES as readonly string[]).includes(k)),
      );
      execFile(
        process.execPath,
        ['--import', 'tsx', join(DEPLOY, 'docker/grpc-health.mjs'), String(port)],
        { cwd: ROOT, encoding: 'utf8', timeout: 10_000, env: { ...base, ...env } },
        (err, stdout, stderr) => {
          const code = err ? (err as { code?: unknown }).code : 0;
          done({ status: typeof code === 'number' ? code : null, stdout, stderr });
        },
      );
    });

  it("loads tls.ts's credentials: compiled into the image's dist/, or the source it is built from", () => {
    const script = readFileSync(join(DEPLOY, 'docker/grpc-health.mjs'), 'utf8');
    const [compiled, source] = [/'\.\.\/\.\.\/(dist\/[\w/.-]+\.js)'/, /'\.\.\/\.\.\/([\w/.-]+\.ts)'/].map(
      (re) => re.exec(script)?.[1],
    );
    expect(compiled, 'imports a compiled module').toBeDefined();
    expect(sourceOf(compiled!)).toBe('services/common/grpc/tls.ts');
    expect(source).toBe(sourceOf(compiled!));
    expect(built(source!), 'npm run build compiles it').toBe(true);
  });

  /** A server bound with the transport `env` configures (startServer reads process.env). */
  async function serverWith(env: Record<string, string>) {
    const saved = Object.fromEntries(TLS_ENV_NAMES.map((k) => [k, process.env[k]]));
    for (const k of TLS_ENV_NAMES) delete process.env[k];
    Object.assign(process.env, env);
    try {
      return await startServer({ host: '127.0.0.1', port: 0, serviceNames: [], services: [], log });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it('plaintext (PARLEY_PLAINTEXT=1): exits 0 for a SERVING server and 1 once it is NOT_SERVING or gone', async () => {
    const plain = { PARLEY_PLAINTEXT: '1' };
    const srv = await serverWith(plain);
    try {
      const ok = await check(srv.port, plain);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toBe('SERVING');
      srv.health.setStatus('', 'NOT_SERVING');
      const draining = await check(srv.port, plain);
      expect(draining.status).toBe(1);
      expect(draining.stdout.trim()).toBe('NOT_SERVING');
    } finally {
      await srv.shutdown(500);
    }
    expect((await check(srv.port, plain)).status, 'no server: unhealthy').toBe(1);
  }, 60_000);

  it("mTLS: calls with the service's own certificate (PARLEY_TLS_DIR + PARLEY_TLS_IDENTITY, or the explicit files)", async () => {
    const srv = await serverWith({ PARLEY_TLS_DIR: certs, PARLEY_TLS_IDENTITY: 'context' });
    try {
      const byDir = await check(srv.port, { PARLEY_TLS_DIR: certs, PARLEY_TLS_IDENTITY: 'context' });
      expect(byDir.status, byDir.stderr).toBe(0);
      expect(byDir.stdout.trim()).toBe('SERVING');
      expect(byDir.stderr, 'no warning on every probe').toBe('');
      // Any role may ask for health: here an ad server's certificate, as Kubernetes mounts one.
      const byFiles = await check(srv.port, {
        PARLEY_TLS_CA: join(certs, 'ca.crt'),
        PARLEY_TLS_CERT: join(certs, 'ad-server.crt'),
        PARLEY_TLS_KEY: join(certs, 'ad-server.key'),
      });
      expect(byFiles.status, byFiles.stderr).toBe(0);
      srv.health.setStatus('', 'NOT_SERVING');
      const draining = await check(srv.port, { PARLEY_TLS_DIR: certs, PARLEY_TLS_IDENTITY: 'context' });
      expect(draining.status).toBe(1);
      expect(draining.stdout.trim()).toBe('NOT_SERVING');

      // What must not pass: plaintext, another CA's certificate, no identity to pick a certificate.
      expect((await check(srv.port, { PARLEY_PLAINTEXT: '1' })).status, 'plaintext').toBe(1);
      const foreign = await check(srv.port, { PARLEY_TLS_DIR: otherCa, PARLEY_TLS_IDENTITY: 'context' });
      expect(foreign.status, 'a certificate from another CA').toBe(1);
      const anonymous = await check(srv.port, { PARLEY_TLS_DIR: certs });
      expect(anonymous.status).toBe(1);
      expect(anonymous.stderr).toContain('PARLEY_TLS_IDENTITY');
    } finally {
      await srv.shutdown(500);
    }
  }, 90_000);
});

describe('docs stay in step with the contract and the config', () => {
  it('docs/reason-codes.md has a row for every Reason of common.proto, with its number', () => {
    const proto = readFileSync(join(ROOT, 'proto/parley/v1/common.proto'), 'utf8');
    const body = /enum Reason \{([^}]*)\}/.exec(proto)![1]!;
    const codes = [...body.matchAll(/\b(REASON_[A-Z_]+)\s*=\s*(\d+);/g)]
      .map((m) => [m[1]!, Number(m[2])] as const)
      .filter(([, n]) => n !== 0);
    expect(codes.length).toBeGreaterThanOrEqual(20);
    const doc = readFileSync(join(ROOT, 'docs/reason-codes.md'), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\|\s*(\d+)\s*\|\s*`(REASON_[A-Z_]+)`\s*\|/gm)].map(
        (m) => [m[2]!, Number(m[1])] as const,
      ),
    );
    for (const [name, n] of codes) expect(rows.get(name), `${name} = ${n}`).toBe(n);
    expect(rows.size, 'no documented code that the proto lacks').toBe(codes.length);
  });

  it('docs/operations.md documents every variable config.ts reads, with its default', () => {
    const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*)\|/gm)].map(
        (m) => [m[1]!, m[2]!.trim()] as const,
      ),
    );
    // A registry agent's own variables are documented by the generic rows (a
    // new agent needs no row of its own); every other variable by its row.
    expect(doc).toContain('`PARLEY_<NAME>_PORT`, `PARLEY_<NAME>_ADDR`');
    expect(doc).toContain('`PARLEY_W_<TERM>`');
    const generic = /^PARLEY_(W_[A-Z0-9_]+|[A-Z0-9_]+_(PORT|ADDR))$/;
    const fromRegistry = new Set(
      DEFAULTS.agents.flatMap((a) => [agentEnv(a.name, 'PORT'), agentEnv(a.name, 'ADDR'), weightEnv(a.term)]),
    );
    for (const name of CONFIG_ENV) {
      if (fromRegistry.has(name) && generic.test(name) && !rows.has(name)) continue;
      expect(rows.has(name), `${name} is documented`).toBe(true);
    }
    // Numeric defaults in the table are the ones loadConfig applies.
    const numeric: Record<string, number> = {
      PARLEY_BROKER_PORT: DEFAULTS.ports.broker,
      ...Object.fromEntries(
        DEFAULTS.agents
          .filter((a) => rows.has(agentEnv(a.name, 'PORT')))
          .map((a) => [agentEnv(a.name, 'PORT'), a.port]),
      ),
      PARLEY_ADMIN_PORT: DEFAULTS.ports.admin,
      PARLEY_ADMIN_HTTP_PORT: DEFAULTS.admin.httpPort,
      PARLEY_DECISION_LOG_SIZE: DEFAULTS.admin.decisionLogSize,
      PARLEY_CATALOGUE_RELOAD_MS: DEFAULTS.catalogueReloadMs,
      PARLEY_W_LISTENER: DEFAULTS.weights.listener,
      PARLEY_W_ADVERTISER: DEFAULTS.weights.advertiser,
      PARLEY_W_PLATFORM: DEFAULTS.weights.platform,
      PARLEY_PRICE_FLOOR_MICROS: DEFAULTS.priceFloorMicros,
      PARLEY_REVENUE_SCALE_MICROS: DEFAULTS.revenueScaleMicros,
      PARLEY_MAX_ROUNDS: DEFAULTS.maxRounds,
      PARLEY_SHORTLIST_SIZE: DEFAULTS.shortlistSize,
      PARLEY_DEFAULT_DEADLINE_MS: DEFAULTS.defaultDeadlineMs,
      PARLEY_MIN_DEADLINE_MS: DEFAULTS.minDeadlineMs,
      PARLEY_RESERVATION_TTL_MS: DEFAULTS.reservationTtlMs,
      PARLEY_LATE_IMPRESSION_MS: DEFAULTS.lateImpressionMs,
      PARLEY_SESSION_TTL_MS: DEFAULTS.sessionTtlMs,
      PARLEY_IDEMPOTENCY_TTL_MS: DEFAULTS.idempotencyTtlMs,
      PARLEY_EVENT_LOG_MAXLEN: DEFAULTS.eventLogMaxLen,
    };
    for (const [name, value] of Object.entries(numeric)) {
      expect(rows.get(name), name).toMatch(new RegExp(`^\`${value}\``));
    }
    expect(rows.get('PARLEY_HOST')).toContain(`\`${DEFAULTS.host}\``);
    expect(rows.get('PARLEY_REDIS_PREFIX')).toContain(`\`${DEFAULTS.redisPrefix}\``);
    expect(rows.get('PARLEY_LOG_LEVEL')).toContain(`\`${DEFAULTS.logLevel}\``);
  });
});
