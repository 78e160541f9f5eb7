/**
 * Consistency checks for the Kubernetes manifests in k8s/ against the code's real interface:
 * the env schemas (packages/config), the root npm scripts, the HTTP endpoints and ports, and
 * the references between objects (selectors, scale targets, ConfigMap/Secret keys).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvSchema, workerEnvSchema, sharedEnvSchema, migrateEnvSchema, loadConfig } from '@postdate/config';

import yaml from 'js-yaml';
import { appBuildsEntry, dockerfileCmd, roleOf, type Role } from './support/app-command';

// Manifests are free-form YAML; the checks below verify the shape they rely on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const ROOT = join(__dirname, '..', '..');
const K8S = join(ROOT, 'k8s');

const API_ENDPOINTS = ['/healthz', '/readyz', '/metrics'];
const WORKER_ENDPOINTS = ['/healthz', '/readyz', '/metrics'];

interface Doc {
  file: string;
  obj: Any;
}

const yamlFiles = readdirSync(K8S)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const docs: Doc[] = yamlFiles.flatMap((file) =>
  yaml
    .loadAll(readFileSync(join(K8S, file), 'utf8'))
    .filter((obj) => obj !== null && obj !== undefined)
    .map((obj) => ({ file, obj: obj as Any })),
);

const ofKind = (kind: string): Any[] => docs.filter((d) => d.obj.kind === kind).map((d) => d.obj);
const named = (kind: string, name: string): Any | undefined => ofKind(kind).find((o) => o.metadata?.name === name);
const mustFind = (kind: string, name: string): Any => {
  const obj = named(kind, name);
  if (!obj) throw new Error(`k8s/: no ${kind} named ${name}`);
  return obj;
};

const kustomization = docs.find((d) => d.obj.kind === 'Kustomization')?.obj as Any;
const namespaceName: string | undefined = ofKind('Namespace')[0]?.metadata?.name;

const deployments = ofKind('Deployment');
const jobs = ofKind('Job');
const API = 'postdate-api';
const WORKER = 'postdate-worker';
const MIGRATE = 'postdate-migrate';

/** Every pod spec in the manifests, with the workload it belongs to. */
function podSpecs(): { owner: string; spec: Any; template: Any }[] {
  return [...deployments, ...jobs, ...ofKind('StatefulSet'), ...ofKind('DaemonSet')].map((w) => ({
    owner: `${w.kind}/${w.metadata.name}`,
    spec: w.spec.template.spec,
    template: w.spec.template,
  }));
}

function allContainers(podSpec: Any): Any[] {
  return [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
}

function mainContainer(workload: Any): Any {
  const containers = workload.spec.template.spec.containers as Any[];
  expect(containers).toHaveLength(1);
  return containers[0];
}

// ------------------------------------------------------------------ selectors

function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function labelSelector(sel: Any): Record<string, string> {
  // matchExpressions are not evaluated by these tests; fail loudly rather than guess.
  if (sel?.matchExpressions) throw new Error('matchExpressions selectors are not supported by tests/deploy/k8s.test.ts');
  return sel?.matchLabels ?? {};
}

function deploymentsSelectedBy(selector: Record<string, string>): Any[] {
  return deployments.filter((d) => selectorMatches(selector, d.spec.template.metadata?.labels));
}

// ------------------------------------------------------------------ env

interface EnvEntry {
  name: string;
  value: string | undefined;
}

function configMapData(name: string): Record<string, unknown> | undefined {
  return named('ConfigMap', name)?.data;
}

function secretData(name: string): Record<string, string> | undefined {
  const s = named('Secret', name);
  if (!s) return undefined;
  const decoded = Object.fromEntries(
    Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return { ...decoded, ...(s.stringData ?? {}) };
}

/** The environment a container gets, resolved against the ConfigMaps and the example Secret. */
function effectiveEnv(container: Any): EnvEntry[] {
  const out = new Map<string, EnvEntry>();
  for (const from of container.envFrom ?? []) {
    const prefix: string = from.prefix ?? '';
    const ref = from.configMapRef ?? from.secretRef;
    const data = from.configMapRef ? configMapData(ref.name) : secretData(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new Error(`envFrom refers to missing ${from.configMapRef ? 'ConfigMap' : 'Secret'} ${ref.name}`);
    }
    for (const [k, v] of Object.entries(data)) out.set(prefix + k, { name: prefix + k, value: String(v) });
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    if ('value' in e) value = e.value;
    else if (e.valueFrom?.configMapKeyRef) value = configMapData(e.valueFrom.configMapKeyRef.name)?.[e.valueFrom.configMapKeyRef.key] as string;
    else if (e.valueFrom?.secretKeyRef) value = secretData(e.valueFrom.secretKeyRef.name)?.[e.valueFrom.secretKeyRef.key];
    else if (e.valueFrom?.fieldRef) value = `field-${String(e.valueFrom.fieldRef.fieldPath).replace(/[^A-Za-z0-9-]/g, '-')}`;
    out.set(e.name, { name: e.name, value });
  }
  return [...out.values()];
}

function envRecord(container: Any): Record<string, string | undefined> {
  return Object.fromEntries(effectiveEnv(container).map((e) => [e.name, e.value]));
}

/** Every env reference (envFrom and valueFrom) in a container that does not resolve. */
function danglingEnvRefs(container: Any): string[] {
  const problems: string[] = [];
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef && !configMapData(from.configMapRef.name) && !from.configMapRef.optional)
      problems.push(`envFrom ConfigMap ${from.configMapRef.name}`);
    if (from.secretRef && !secretData(from.secretRef.name) && !from.secretRef.optional)
      problems.push(`envFrom Secret ${from.secretRef.name}`);
  }
  for (const e of container.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    const sec = e.valueFrom?.secretKeyRef;
    if (cm && !cm.optional && !(cm.key in (configMapData(cm.name) ?? {}))) problems.push(`${e.name}: ConfigMap ${cm.name} key ${cm.key}`);
    if (sec && !sec.optional && !(sec.key in (secretData(sec.name) ?? {}))) problems.push(`${e.name}: Secret ${sec.name} key ${sec.key}`);
  }
  return problems;
}

// ------------------------------------------------------------------ commands, ports, probes

function roleOfContainer(container: Any): Role {
  const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
  // No command: the image's CMD (the API).
  return roleOf(argv.length > 0 ? argv : dockerfileCmd());
}

function resolvePort(container: Any, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((p: Any) => p.name === port);
  if (!found) throw new Error(`container ${container.name} has no port named ${port}`);
  return found.containerPort as number;
}

function probes(container: Any): { kind: string; path: string; port: number }[] {
  return (['startupProbe', 'readinessProbe', 'livenessProbe'] as const)
    .filter((k) => container[k])
    .map((k) => {
      const http = container[k].httpGet;
      if (!http) throw new Error(`${container.name}.${k} is not an httpGet probe`);
      return { kind: k, path: http.path as string, port: resolvePort(container, http.port) };
    });
}

function preStopSleepSeconds(container: Any): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep?.seconds !== undefined) return Number(preStop.sleep.seconds);
  const cmd: string[] = preStop.exec?.command ?? [];
  const joined = cmd.join(' ');
  const m = /\bsleep\s+(\d+)/.exec(joined);
  return m ? Number(m[1]) : 0;
}

// ------------------------------------------------------------------ quantities

function cpuMillis(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000;
}

function memoryBytes(q: string | number): number {
  const s = String(q);
  const units: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  };
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(s);
  if (!m) throw new Error(`bad memory quantity ${s}`);
  const unit = m[2] ?? '';
  if (unit !== '' && !(unit in units)) throw new Error(`bad memory unit ${s}`);
  return Number(m[1]) * (unit === '' ? 1 : (units[unit] as number));
}

// ------------------------------------------------------------------ autoscalers

function autoscalersFor(deploymentName: string): { kind: string; min: number; max: number; file: string }[] {
  return docs
    .filter(({ obj }) => {
      if (obj.kind === 'HorizontalPodAutoscaler' || obj.kind === 'ScaledObject') {
        const ref = obj.spec.scaleTargetRef;
        return (ref.kind ?? 'Deployment') === 'Deployment' && ref.name === deploymentName;
      }
      return false;
    })
    .map(({ obj, file }) =>
      obj.kind === 'ScaledObject'
        ? { kind: obj.kind, min: obj.spec.minReplicaCount ?? 0, max: obj.spec.maxReplicaCount ?? 100, file }
        : { kind: obj.kind, min: obj.spec.minReplicas ?? 1, max: obj.spec.maxReplicas, file },
    );
}

// ====================================================================================

describe('k8s manifests: parsing and layout', () => {
  test('every YAML document is a Kubernetes object with apiVersion, kind and a name', () => {
    expect(docs.length).toBeGreaterThan(10);
    for (const { file, obj } of docs) {
      expect({ file, apiVersion: typeof obj.apiVersion, kind: typeof obj.kind }).toEqual({
        file,
        apiVersion: 'string',
        kind: 'string',
      });
      if (obj.kind !== 'Kustomization') expect({ file, name: typeof obj.metadata?.name }).toEqual({ file, name: 'string' });
    }
  });

  test('no two objects share kind + name', () => {
    const keys = docs.filter((d) => d.obj.kind !== 'Kustomization').map((d) => `${d.obj.kind}/${d.obj.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  test('every namespaced object lives in the namespace that namespace.yaml creates', () => {
    expect(namespaceName).toBeDefined();
    const wrong = docs
      .filter((d) => !['Namespace', 'Kustomization'].includes(d.obj.kind))
      .filter((d) => d.obj.metadata.namespace !== namespaceName)
      .map((d) => `${d.file}: ${d.obj.kind}/${d.obj.metadata.name} in ${d.obj.metadata.namespace}`);
    expect(wrong).toEqual([]);
    expect(kustomization.namespace).toBe(namespaceName);
  });

  test('ConfigMap values and literal env values are strings (Kubernetes rejects numbers/booleans)', () => {
    const bad: string[] = [];
    for (const cm of ofKind('ConfigMap'))
      for (const [k, v] of Object.entries(cm.data ?? {})) if (typeof v !== 'string') bad.push(`${cm.metadata.name}.${k}=${String(v)}`);
    for (const { owner, spec } of podSpecs())
      for (const c of allContainers(spec))
        for (const e of c.env ?? []) if ('value' in e && typeof e.value !== 'string') bad.push(`${owner} ${c.name} ${e.name}`);
    expect(bad).toEqual([]);
  });

  test('secret.example.yaml holds only obviously fake values', () => {
    const secret = mustFind('Secret', 'postdate-secrets');
    const values = Object.entries(secretData('postdate-secrets') ?? {});
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter(([, v]) => !/CHANGE-ME|example\.(com|org|net)/i.test(v)).map(([k]) => k)).toEqual([]);
    expect(docs.find((d) => d.obj === secret)?.file).toBe('secret.example.yaml');
  });
});

describe('k8s manifests: kustomization', () => {
  const resources: string[] = kustomization?.resources ?? [];

  test('lists only files that exist', () => {
    expect(resources.filter((r) => !existsSync(join(K8S, r)))).toEqual([]);
  });

  test('lists every manifest except the example Secret and the worker HPA fallback', () => {
    const optional = ['kustomization.yaml', 'secret.example.yaml', 'worker-hpa-fallback.yaml'];
    expect(yamlFiles.filter((f) => !optional.includes(f) && !resources.includes(f))).toEqual([]);
    expect(resources).not.toContain('secret.example.yaml');
  });

  test('does not apply both the KEDA ScaledObject and the fallback HPA for the same Deployment', () => {
    const listed = docs.filter((d) => resources.includes(d.file));
    const targets = (kind: string) =>
      listed.filter((d) => d.obj.kind === kind).map((d) => d.obj.spec.scaleTargetRef.name as string);
    const keda = targets('ScaledObject');
    expect(targets('HorizontalPodAutoscaler').filter((t) => keda.includes(t))).toEqual([]);
    // and the worker is autoscaled by exactly one of them
    expect(listed.filter((d) => ['ScaledObject', 'HorizontalPodAutoscaler'].includes(d.obj.kind) && d.obj.spec.scaleTargetRef.name === WORKER)).toHaveLength(1);
  });

  test('the images entry rewrites the image every app container uses', () => {
    const images = new Set(podSpecs().flatMap(({ spec }) => allContainers(spec).map((c) => c.image as string)));
    expect([...images]).toHaveLength(1);
    expect((kustomization.images ?? []).map((i: Any) => i.name)).toEqual([...images]);
  });

  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? test : test.skip)(`kubectl kustomize renders the overlay${kubectl ? '' : ' (skipped: kubectl CLI not found)'}`, () => {
    const out = execFileSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
    const rendered = yaml.loadAll(out) as Any[];
    const kinds = rendered.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining([`Deployment/${API}`, `Deployment/${WORKER}`, `Job/${MIGRATE}`]));
    expect(kinds).not.toContain('Secret/postdate-secrets');
  });
});

describe('k8s manifests: workloads run the compiled apps with valid environments', () => {
  const roles = [
    { kind: 'Deployment', name: API, script: 'api' },
    { kind: 'Deployment', name: WORKER, script: 'worker' },
    { kind: 'Job', name: MIGRATE, script: 'migrate' },
  ];

  test.each(roles)('$kind/$name runs the compiled $script entry point with node', ({ kind, name, script }) => {
    expect(roleOfContainer(mainContainer(mustFind(kind, name)))).toBe(script);
  });

  test('every container in every workload runs a compiled entry point that an app builds', () => {
    const problems: string[] = [];
    for (const { owner, spec } of podSpecs())
      for (const c of allContainers(spec)) {
        try {
          if (!appBuildsEntry(roleOfContainer(c))) problems.push(`${owner}/${c.name}: no app builds its entry point`);
        } catch (error) {
          problems.push(`${owner}/${c.name}: ${(error as Error).message}`);
        }
      }
    expect(problems).toEqual([]);
  });

  test('env references (envFrom, configMapKeyRef, secretKeyRef) resolve to existing keys', () => {
    const problems = podSpecs().flatMap(({ owner, spec }) =>
      allContainers(spec).flatMap((c) => danglingEnvRefs(c).map((p) => `${owner}/${c.name}: ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  test('api env names all exist in apiEnvSchema', () => {
    const known = Object.keys(apiEnvSchema.shape);
    expect(effectiveEnv(mainContainer(mustFind('Deployment', API))).map((e) => e.name).filter((n) => !known.includes(n))).toEqual([]);
  });

  test('worker env names all exist in workerEnvSchema', () => {
    const known = Object.keys(workerEnvSchema.shape);
    expect(effectiveEnv(mainContainer(mustFind('Deployment', WORKER))).map((e) => e.name).filter((n) => !known.includes(n))).toEqual([]);
  });

  test('migrate gets only what migrateEnvSchema knows, DATABASE_URL among it', () => {
    const names = effectiveEnv(mainContainer(mustFind('Job', MIGRATE))).map((e) => e.name);
    const known = Object.keys(migrateEnvSchema.shape);
    expect(names.filter((n) => !known.includes(n))).toEqual([]);
    expect(names).toContain('DATABASE_URL');
  });

  test('api env (ConfigMaps + example Secret) passes apiEnvSchema', () => {
    expect(() => loadConfig(apiEnvSchema, envRecord(mainContainer(mustFind('Deployment', API))))).not.toThrow();
  });

  test('worker env (ConfigMaps + example Secret) passes workerEnvSchema', () => {
    expect(() => loadConfig(workerEnvSchema, envRecord(mainContainer(mustFind('Deployment', WORKER))))).not.toThrow();
  });

  test('api and worker share the sender-domain rules and the key DKIM private keys are sealed with', () => {
    const api = loadConfig(apiEnvSchema, envRecord(mainContainer(mustFind('Deployment', API))));
    const worker = loadConfig(workerEnvSchema, envRecord(mainContainer(mustFind('Deployment', WORKER))));
    const rules = (env: typeof api | typeof worker) => [env.REQUIRE_VERIFIED_DOMAIN, env.DOMAIN_UNVERIFIED_GRACE_HOURS, env.DKIM_ENCRYPTION_KEY?.toString('hex')];
    expect(rules(worker)).toEqual(rules(api));
    expect(api.REQUIRE_VERIFIED_DOMAIN).toBe(true);
  });

  test('migrate DATABASE_URL is a valid postgres URL', () => {
    const env = envRecord(mainContainer(mustFind('Job', MIGRATE)));
    expect(sharedEnvSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL).success).toBe(true);
  });

  test('api and worker share QUEUE_PREFIX and DATABASE_URL/REDIS_URL (otherwise jobs go nowhere)', () => {
    const api = loadConfig(apiEnvSchema, envRecord(mainContainer(mustFind('Deployment', API))));
    const worker = loadConfig(workerEnvSchema, envRecord(mainContainer(mustFind('Deployment', WORKER))));
    expect(worker.QUEUE_PREFIX).toBe(api.QUEUE_PREFIX);
    expect(worker.REDIS_URL).toBe(api.REDIS_URL);
    expect(worker.DATABASE_URL).toBe(api.DATABASE_URL);
    // Redis Cluster: the prefix must carry a {hash tag} so every key of a queue shares a slot.
    expect(api.QUEUE_PREFIX).toMatch(/\{[^{}]+\}/);
  });

  test('api and worker apply the same webhook URL rules (else the API accepts endpoints every POST refuses)', () => {
    const api = loadConfig(apiEnvSchema, envRecord(mainContainer(mustFind('Deployment', API))));
    const worker = loadConfig(workerEnvSchema, envRecord(mainContainer(mustFind('Deployment', WORKER))));
    expect([worker.WEBHOOK_ALLOW_HTTP, worker.WEBHOOK_ALLOW_PRIVATE]).toEqual([api.WEBHOOK_ALLOW_HTTP, api.WEBHOOK_ALLOW_PRIVATE]);
  });

  test('the migrate Job does not restart forever and is not a long-running pod', () => {
    const job = mustFind('Job', MIGRATE);
    expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
  });
});

describe('k8s manifests: ports and probes', () => {
  const apiContainer = () => mainContainer(mustFind('Deployment', API));
  const workerContainer = () => mainContainer(mustFind('Deployment', WORKER));
  const apiConfig = () => loadConfig(apiEnvSchema, envRecord(apiContainer()));
  const workerConfig = () => loadConfig(workerEnvSchema, envRecord(workerContainer()));

  test('api exposes a containerPort equal to PORT', () => {
    const ports = (apiContainer().ports ?? []).map((p: Any) => p.containerPort);
    expect(ports).toContain(apiConfig().PORT);
  });

  test('api has readiness on /readyz and liveness on /healthz, all on PORT', () => {
    const c = apiContainer();
    const ps = probes(c);
    expect(ps.find((p) => p.kind === 'readinessProbe')?.path).toBe('/readyz');
    expect(ps.find((p) => p.kind === 'livenessProbe')?.path).toBe('/healthz');
    for (const p of ps) {
      expect(API_ENDPOINTS).toContain(p.path);
      expect({ probe: p.kind, port: p.port }).toEqual({ probe: p.kind, port: apiConfig().PORT });
    }
  });

  test('worker has readiness on /readyz and liveness on /healthz, all on METRICS_PORT', () => {
    const c = workerContainer();
    const ps = probes(c);
    expect(ps.find((p) => p.kind === 'readinessProbe')?.path).toBe('/readyz');
    expect(ps.find((p) => p.kind === 'livenessProbe')?.path).toBe('/healthz');
    const metricsPort = workerConfig().METRICS_PORT;
    expect(metricsPort).toBeGreaterThan(0); // 0 = random port, which no probe could reach
    for (const p of ps) {
      expect(WORKER_ENDPOINTS).toContain(p.path);
      expect({ probe: p.kind, port: p.port }).toEqual({ probe: p.kind, port: metricsPort });
    }
  });

  test('prometheus scrape annotations point at the port that serves /metrics', () => {
    const api = mustFind('Deployment', API).spec.template.metadata.annotations ?? {};
    const worker = mustFind('Deployment', WORKER).spec.template.metadata.annotations ?? {};
    const apiCfg = apiConfig();
    expect(Number(api['prometheus.io/port'])).toBe(apiCfg.API_METRICS_PORT ?? apiCfg.PORT);
    expect(Number(worker['prometheus.io/port'])).toBe(workerConfig().METRICS_PORT);
    expect(api['prometheus.io/path']).toBe('/metrics');
    expect(worker['prometheus.io/path']).toBe('/metrics');
  });

  test('every Service selects exactly one Deployment and targets a port its container exposes', () => {
    const services = ofKind('Service');
    expect(services.length).toBeGreaterThan(0);
    for (const svc of services) {
      const selected = deploymentsSelectedBy(svc.spec.selector);
      expect({ service: svc.metadata.name, selects: selected.map((d) => d.metadata.name) }).toEqual({
        service: svc.metadata.name,
        selects: [expect.any(String)],
      });
      const container = mainContainer(selected[0]);
      for (const port of svc.spec.ports) {
        const target = resolvePort(container, port.targetPort ?? port.port);
        expect((container.ports ?? []).map((p: Any) => p.containerPort)).toContain(target);
      }
    }
    // the API Service routes to the API's PORT
    const apiSvc = services.find((s) => deploymentsSelectedBy(s.spec.selector)[0]?.metadata.name === API);
    expect(apiSvc).toBeDefined();
    expect(apiSvc.spec.ports.map((p: Any) => resolvePort(apiContainer(), p.targetPort ?? p.port))).toContain(apiConfig().PORT);
  });
});

describe('k8s manifests: selectors, autoscaling and disruption budgets', () => {
  test('each Deployment selector matches its own pod template labels', () => {
    expect(deployments.length).toBeGreaterThanOrEqual(2);
    for (const d of deployments) {
      const sel = labelSelector(d.spec.selector);
      expect({ deployment: d.metadata.name, matches: selectorMatches(sel, d.spec.template.metadata?.labels) }).toEqual({
        deployment: d.metadata.name,
        matches: true,
      });
    }
  });

  test('Deployment selectors do not overlap (the api selector must not catch worker pods)', () => {
    for (const d of deployments) {
      const caught = deploymentsSelectedBy(labelSelector(d.spec.selector)).map((o) => o.metadata.name);
      expect({ deployment: d.metadata.name, caught }).toEqual({ deployment: d.metadata.name, caught: [d.metadata.name] });
    }
  });

  test('every HPA targets an existing Deployment, scales on CPU, and that Deployment requests CPU', () => {
    const hpas = ofKind('HorizontalPodAutoscaler');
    expect(hpas.length).toBeGreaterThanOrEqual(2); // api + worker fallback
    for (const h of hpas) {
      const ref = h.spec.scaleTargetRef;
      expect(ref.kind).toBe('Deployment');
      const target = mustFind('Deployment', ref.name);
      expect(h.spec.minReplicas).toBeLessThanOrEqual(h.spec.maxReplicas);
      const cpu = (h.spec.metrics ?? []).find((m: Any) => m.type === 'Resource' && m.resource?.name === 'cpu');
      expect(cpu).toBeDefined();
      for (const c of target.spec.template.spec.containers) expect(c.resources?.requests?.cpu).toBeDefined();
    }
    expect(autoscalersFor(API).map((a) => a.kind)).toContain('HorizontalPodAutoscaler');
  });

  test('the worker has both a KEDA ScaledObject and a CPU HPA fallback, in separate files', () => {
    const scalers = autoscalersFor(WORKER);
    const keda = scalers.filter((s) => s.kind === 'ScaledObject');
    const hpa = scalers.filter((s) => s.kind === 'HorizontalPodAutoscaler');
    expect(keda).toHaveLength(1);
    expect(hpa).toHaveLength(1);
    expect(hpa[0]?.file).toBe('worker-hpa-fallback.yaml');
    expect(keda[0]?.file).not.toBe(hpa[0]?.file);
    // the fallback documents the either/or rule
    expect(readFileSync(join(K8S, 'worker-hpa-fallback.yaml'), 'utf8')).toMatch(/either[\s\S]*never both/i);
  });

  test('autoscaled Deployments do not pin spec.replicas (re-apply would fight the autoscaler)', () => {
    for (const d of deployments)
      if (autoscalersFor(d.metadata.name).length > 0) expect({ deployment: d.metadata.name, replicas: d.spec.replicas }).toEqual({ deployment: d.metadata.name, replicas: undefined });
  });

  test('the KEDA ScaledObject targets the worker and scales on the jobs ready to run, from the worker\'s own gauge', () => {
    const so = ofKind('ScaledObject');
    expect(so).toHaveLength(1);
    const obj = so[0];
    expect(obj.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
    expect(obj.spec.scaleTargetRef.name).toBe(WORKER);
    mustFind('Deployment', obj.spec.scaleTargetRef.name);
    // Ready jobs sit in BullMQ's prioritized sorted set (fair priorities), which no list-length trigger sees.
    const triggers = obj.spec.triggers.filter((t: Any) => t.type === 'prometheus');
    expect(triggers).toHaveLength(1);
    const query = String(triggers[0].metadata.query);
    const gauge = /^max\((\w+)\{state=~"([^"]+)"\}\)$/.exec(query);
    expect(gauge).not.toBeNull();
    expect(gauge![1]).toBe('postdate_queue_jobs');
    expect(gauge![2]!.split('|').sort()).toEqual(['prioritized', 'waiting']);
    expect(Number(triggers[0].metadata.threshold)).toBeGreaterThan(0);
  });

  test('the worker gauge KEDA reads exists, with the states it asks for, and Prometheus is told to scrape it', () => {
    const source = readFileSync(join(ROOT, 'apps', 'worker', 'src', 'worker-metrics.ts'), 'utf8');
    expect(source).toContain("name: 'postdate_queue_jobs'");
    const sampler = readFileSync(join(ROOT, 'apps', 'worker', 'src', 'start-worker.ts'), 'utf8');
    for (const state of ['waiting', 'prioritized']) expect(sampler).toMatch(new RegExp(`getJobCounts\\([^)]*'${state}'`));
    const worker = mustFind('Deployment', WORKER);
    const annotations = worker.spec.template.metadata.annotations ?? {};
    const metricsPort = (mainContainer(worker).ports ?? []).find((p: Any) => p.name === 'metrics');
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort.containerPort);
  });

  test('the ScaledObject never scales the worker to zero (workers make delayed jobs ready)', () => {
    const obj = ofKind('ScaledObject')[0];
    expect(obj.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(obj.spec.maxReplicaCount).toBeGreaterThanOrEqual(obj.spec.minReplicaCount);
  });

  test('every TriggerAuthentication secretTargetRef names an existing Secret key', () => {
    for (const auth of ofKind('TriggerAuthentication'))
      for (const ref of auth.spec.secretTargetRef ?? []) expect(Object.keys(secretData(ref.name) ?? {})).toContain(ref.key);
  });

  test('api and worker each have a PodDisruptionBudget selecting exactly that Deployment', () => {
    const pdbs = ofKind('PodDisruptionBudget');
    const covered = pdbs.map((p) => {
      const selected = deploymentsSelectedBy(labelSelector(p.spec.selector));
      expect({ pdb: p.metadata.name, selects: selected.length }).toEqual({ pdb: p.metadata.name, selects: 1 });
      return selected[0].metadata.name as string;
    });
    expect(covered.sort()).toEqual([API, WORKER]);
  });

  test('PodDisruptionBudgets leave room for at least one eviction at the autoscaler minimum', () => {
    for (const p of ofKind('PodDisruptionBudget')) {
      const target = deploymentsSelectedBy(labelSelector(p.spec.selector))[0];
      const mins = autoscalersFor(target.metadata.name).map((a) => a.min);
      const minReplicas = mins.length > 0 ? Math.min(...mins) : (target.spec.replicas ?? 1);
      if (p.spec.minAvailable !== undefined) {
        expect(typeof p.spec.minAvailable).toBe('number'); // percentages are not evaluated here
        expect({ pdb: p.metadata.name, minAvailable: p.spec.minAvailable < minReplicas }).toEqual({ pdb: p.metadata.name, minAvailable: true });
      } else {
        const mu = p.spec.maxUnavailable;
        expect(mu).toBeDefined();
        expect(typeof mu === 'number' ? mu >= 1 : /^[1-9]\d*%$/.test(mu)).toBe(true);
      }
    }
  });
});

describe('k8s manifests: shutdown and resources', () => {
  test('worker terminationGracePeriodSeconds exceeds its SHUTDOWN_GRACE_SECONDS (+ preStop)', () => {
    const d = mustFind('Deployment', WORKER);
    const c = mainContainer(d);
    const grace = loadConfig(workerEnvSchema, envRecord(c)).SHUTDOWN_GRACE_SECONDS;
    expect(d.spec.template.spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(grace + preStopSleepSeconds(c));
  });

  test('api terminationGracePeriodSeconds exceeds its SHUTDOWN_GRACE_SECONDS + preStop sleep', () => {
    const d = mustFind('Deployment', API);
    const c = mainContainer(d);
    const grace = loadConfig(apiEnvSchema, envRecord(c)).SHUTDOWN_GRACE_SECONDS;
    expect(d.spec.template.spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(grace + preStopSleepSeconds(c));
  });

  test('every container has cpu and memory requests and limits, with requests <= limits', () => {
    const problems: string[] = [];
    for (const { owner, spec } of podSpecs())
      for (const c of allContainers(spec)) {
        const r = c.resources ?? {};
        for (const side of ['requests', 'limits'] as const)
          for (const res of ['cpu', 'memory'] as const)
            if (r[side]?.[res] === undefined) problems.push(`${owner}/${c.name}: no ${side}.${res}`);
        if (r.requests?.cpu && r.limits?.cpu && cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu))
          problems.push(`${owner}/${c.name}: cpu request > limit`);
        if (r.requests?.memory && r.limits?.memory && memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory))
          problems.push(`${owner}/${c.name}: memory request > limit`);
      }
    expect(podSpecs().length).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
  });

  test('read-only root filesystems still get a writable /tmp', () => {
    const problems: string[] = [];
    for (const { owner, spec } of podSpecs())
      for (const c of allContainers(spec))
        if (c.securityContext?.readOnlyRootFilesystem) {
          const mount = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === '/tmp');
          const vol = mount && (spec.volumes ?? []).find((v: Any) => v.name === mount.name);
          if (!vol?.emptyDir) problems.push(`${owner}/${c.name}`);
        }
    expect(problems).toEqual([]);
  });

  test('runAsNonRoot pods give a numeric runAsUser (the kubelet cannot verify a named USER)', () => {
    for (const { owner, spec } of podSpecs())
      for (const c of allContainers(spec)) {
        const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
        if (!nonRoot) continue;
        const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
        expect({ container: `${owner}/${c.name}`, uidOk: typeof uid === 'number' && uid > 0 }).toEqual({
          container: `${owner}/${c.name}`,
          uidOk: true,
        });
      }
  });
});
