/**
 * Consistency checks for docker-compose.yml against the code's real interface: the env schemas
 * (packages/config), the compiled apps the image starts, the HTTP endpoints and the ports.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvSchema, workerEnvSchema, sharedEnvSchema, migrateEnvSchema, loadConfig } from '@postdate/config';
import yaml from 'js-yaml';
import { appBuildsEntry, dockerfileCmd, roleOf } from './support/app-command';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const ROOT = join(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const compose = yaml.load(readFileSync(COMPOSE_FILE, 'utf8')) as Any;
const services = (compose?.services ?? {}) as Record<string, Any>;

const API_ENDPOINTS = ['/healthz', '/readyz', '/metrics'];
const WORKER_ENDPOINTS = ['/healthz', '/readyz', '/metrics'];
/** Port each backing service listens on inside the compose network. */
const BACKING_PORTS: Record<string, number> = { postgres: 5432, redis: 6379, mailpit: 1025 };

/** Compose-style interpolation: ${VAR:-default} / ${VAR-default} take the default, ${VAR} is empty, $$ is $. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name, def: string | undefined) => def ?? '')
    .replace(/\$\$/g, '$');
}

function serviceEnv(name: string): Record<string, string> {
  const env = services[name]?.environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((line: string) => {
        const i = line.indexOf('=');
        return (i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)]) as [string, string];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v)]));
}

/** Raw (uninterpolated) env values, to catch YAML typing mistakes such as an unquoted {postdate}. */
function rawEnvValues(name: string): [string, unknown][] {
  const env = services[name]?.environment ?? {};
  return Array.isArray(env) ? [] : Object.entries(env);
}

function commandOf(name: string): string[] {
  const cmd = services[name]?.command;
  if (cmd === undefined) return dockerfileCmd();
  return Array.isArray(cmd) ? cmd.map(String) : String(cmd).trim().split(/\s+/);
}

/** Container-side port of each `ports:` entry (short or long syntax). */
function containerPorts(name: string): number[] {
  return (services[name]?.ports ?? []).map((p: Any) => {
    if (typeof p === 'object') return Number(p.target);
    const parts = interpolate(String(p)).replace(/\/(tcp|udp)$/, '').split(':');
    return Number(parts[parts.length - 1]);
  });
}

function healthcheckUrl(name: string): URL {
  const test = services[name]?.healthcheck?.test;
  const text = Array.isArray(test) ? test.join(' ') : String(test ?? '');
  const m = /https?:\/\/[^\s'"`)]+/.exec(text);
  if (!m) throw new Error(`service ${name}: healthcheck has no http URL (${text})`);
  return new URL(m[0]);
}

function durationSeconds(value: string | number | undefined): number {
  if (value === undefined) return 10; // Docker's default stop grace period
  if (typeof value === 'number') return value;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us)/g;
  let matched = '';
  for (let m = re.exec(value); m; m = re.exec(value)) {
    matched += m[0];
    const n = Number(m[1]);
    total += { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }[m[2] as 'h' | 'm' | 's' | 'ms' | 'us'] * n;
  }
  if (matched !== value) throw new Error(`cannot parse duration ${value}`);
  return total;
}

function dependsOn(name: string): Record<string, string> {
  const d = services[name]?.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((s: string) => [s, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, (v as Any)?.condition ?? 'service_started']));
}

// ====================================================================================

describe('docker-compose.yml: services', () => {
  test('defines the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      expect.arrayContaining(['api', 'mailpit', 'migrate', 'postgres', 'redis', 'worker']),
    );
  });

  test('uses the expected images for the backing services', () => {
    expect(services.postgres.image).toMatch(/^postgres:15(\b|[.-])/);
    expect(services.redis.image).toMatch(/^redis:7(\b|[.-])/);
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit(:|$)/);
  });

  test('redis runs with appendonly yes and maxmemory-policy noeviction (BullMQ must never lose keys)', () => {
    const cmd = services.redis.command;
    const text = Array.isArray(cmd) ? cmd.join(' ') : String(cmd ?? '');
    expect(text).toMatch(/--appendonly\s+yes\b/);
    expect(text).toMatch(/--maxmemory-policy\s+noeviction\b/);
  });

  test('mailpit publishes SMTP on 1025 and the UI on 8025', () => {
    expect(containerPorts('mailpit')).toEqual(expect.arrayContaining([1025, 8025]));
  });

  test('api, worker and migrate are built from this repo (one image)', () => {
    const images = new Set(['api', 'worker', 'migrate'].map((s) => services[s].image));
    expect(images.size).toBe(1);
    for (const s of ['api', 'worker', 'migrate']) {
      const build = services[s].build;
      const context = typeof build === 'string' ? build : build?.context;
      expect({ service: s, context }).toEqual({ service: s, context: '.' });
    }
  });

  test('the worker runs 3 replicas and publishes no fixed host port (replicas would collide)', () => {
    expect(services.worker.deploy?.replicas).toBe(3);
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports ?? []).toEqual([]);
  });

  test('migrate is one-shot (a restart policy would loop it forever)', () => {
    expect([undefined, 'no', 'on-failure']).toContain(services.migrate.restart);
  });
});

describe('docker-compose.yml: commands', () => {
  test.each([
    ['api', 'api'],
    ['worker', 'worker'],
    ['migrate', 'migrate'],
  ] as const)('%s runs the compiled %s entry point with node', (service, role) => {
    expect(roleOf(commandOf(service))).toBe(role);
    expect(appBuildsEntry(role)).toBe(true);
  });
});

describe('docker-compose.yml: environment', () => {
  test('api env names all exist in apiEnvSchema', () => {
    const known = Object.keys(apiEnvSchema.shape);
    expect(Object.keys(serviceEnv('api')).filter((n) => !known.includes(n))).toEqual([]);
  });

  test('worker env names all exist in workerEnvSchema', () => {
    const known = Object.keys(workerEnvSchema.shape);
    expect(Object.keys(serviceEnv('worker')).filter((n) => !known.includes(n))).toEqual([]);
  });

  test('migrate gets only what migrateEnvSchema knows, and passes it', () => {
    const known = Object.keys(migrateEnvSchema.shape);
    expect(Object.keys(serviceEnv('migrate')).filter((n) => !known.includes(n))).toEqual([]);
    expect(() => loadConfig(migrateEnvSchema, serviceEnv('migrate'))).not.toThrow();
    expect(sharedEnvSchema.shape.DATABASE_URL.safeParse(serviceEnv('migrate').DATABASE_URL).success).toBe(true);
  });

  test('env values are plain strings in YAML (e.g. QUEUE_PREFIX "{postdate}" must be quoted)', () => {
    for (const s of ['api', 'worker', 'migrate'])
      for (const [k, v] of rawEnvValues(s)) expect({ service: s, name: k, type: typeof v }).toEqual({ service: s, name: k, type: 'string' });
  });

  test('api env passes apiEnvSchema', () => {
    expect(() => loadConfig(apiEnvSchema, serviceEnv('api'))).not.toThrow();
  });

  test('worker env passes workerEnvSchema', () => {
    expect(() => loadConfig(workerEnvSchema, serviceEnv('worker'))).not.toThrow();
  });

  test('api, worker and migrate agree on the database, Redis and queue prefix', () => {
    const api = loadConfig(apiEnvSchema, serviceEnv('api'));
    const worker = loadConfig(workerEnvSchema, serviceEnv('worker'));
    expect(worker.DATABASE_URL).toBe(api.DATABASE_URL);
    expect(serviceEnv('migrate').DATABASE_URL).toBe(api.DATABASE_URL);
    expect(worker.REDIS_URL).toBe(api.REDIS_URL);
    expect(worker.QUEUE_PREFIX).toBe(api.QUEUE_PREFIX);
    expect(api.QUEUE_PREFIX).toMatch(/\{[^{}]+\}/); // Redis Cluster hash tag
  });

  test('api and worker apply the same webhook URL rules (else the API accepts endpoints every POST refuses)', () => {
    const api = loadConfig(apiEnvSchema, serviceEnv('api'));
    const worker = loadConfig(workerEnvSchema, serviceEnv('worker'));
    expect([worker.WEBHOOK_ALLOW_HTTP, worker.WEBHOOK_ALLOW_PRIVATE]).toEqual([api.WEBHOOK_ALLOW_HTTP, api.WEBHOOK_ALLOW_PRIVATE]);
  });

  test('api and worker share the sender-domain rules and the key DKIM private keys are sealed with', () => {
    const api = loadConfig(apiEnvSchema, serviceEnv('api'));
    const worker = loadConfig(workerEnvSchema, serviceEnv('worker'));
    const rules = (env: typeof api | typeof worker) => [env.REQUIRE_VERIFIED_DOMAIN, env.DOMAIN_UNVERIFIED_GRACE_HOURS, env.DKIM_ENCRYPTION_KEY?.toString('hex')];
    expect(rules(worker)).toEqual(rules(api));
  });

  test('connection URLs point at compose services on the ports they listen on', () => {
    const worker = loadConfig(workerEnvSchema, serviceEnv('worker'));
    const urls: [string, string][] = [
      ['DATABASE_URL', worker.DATABASE_URL],
      ['REDIS_URL', worker.REDIS_URL!], // compose runs one Redis server, not a cluster
      ['SMTP_URL', worker.SMTP_URL],
    ];
    for (const [name, raw] of urls) {
      const u = new URL(raw);
      expect({ name, hostIsService: u.hostname in services }).toEqual({ name, hostIsService: true });
      const defaultPort = { 'postgresql:': 5432, 'postgres:': 5432, 'redis:': 6379, 'smtp:': 25 }[u.protocol];
      expect({ name, port: Number(u.port || defaultPort) }).toEqual({ name, port: BACKING_PORTS[u.hostname] });
    }
    expect(new URL(worker.SMTP_URL).hostname).toBe('mailpit');
  });
});

describe('docker-compose.yml: ports and health checks', () => {
  test('api publishes its PORT and nothing else', () => {
    const { PORT } = loadConfig(apiEnvSchema, serviceEnv('api'));
    const ports = containerPorts('api');
    expect(ports.length).toBeGreaterThan(0);
    // a separate API_METRICS_PORT would also be a legitimate container port
    const { API_METRICS_PORT } = loadConfig(apiEnvSchema, serviceEnv('api'));
    expect(ports.filter((p) => p !== PORT && p !== API_METRICS_PORT)).toEqual([]);
    expect(ports).toContain(PORT);
  });

  test('api healthcheck hits a real endpoint on PORT', () => {
    const { PORT } = loadConfig(apiEnvSchema, serviceEnv('api'));
    const url = healthcheckUrl('api');
    expect(Number(url.port)).toBe(PORT);
    expect(API_ENDPOINTS).toContain(url.pathname);
  });

  test('worker healthcheck hits a real endpoint on METRICS_PORT', () => {
    const { METRICS_PORT } = loadConfig(workerEnvSchema, serviceEnv('worker'));
    const url = healthcheckUrl('worker');
    expect(METRICS_PORT).toBeGreaterThan(0);
    expect(Number(url.port)).toBe(METRICS_PORT);
    expect(WORKER_ENDPOINTS).toContain(url.pathname);
  });

  test('health checks of app services use only tools present in node:20-slim (no curl/wget)', () => {
    for (const s of ['api', 'worker']) {
      const t = services[s].healthcheck.test;
      const text = Array.isArray(t) ? t.join(' ') : String(t);
      expect(text).not.toMatch(/\b(curl|wget)\b/);
    }
  });

  test('postgres and redis have health checks', () => {
    expect(String(services.postgres.healthcheck?.test)).toMatch(/pg_isready/);
    expect(String(services.redis.healthcheck?.test)).toMatch(/redis-cli/);
  });
});

describe('docker-compose.yml: startup order and shutdown', () => {
  test('every depends_on target exists; service_healthy only on services with a healthcheck', () => {
    for (const name of Object.keys(services))
      for (const [dep, condition] of Object.entries(dependsOn(name))) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
        if (condition === 'service_healthy') expect({ name, dep, hasHealthcheck: Boolean(services[dep].healthcheck) }).toEqual({ name, dep, hasHealthcheck: true });
        if (condition === 'service_completed_successfully') expect({ name, dep, oneShot: [undefined, 'no', 'on-failure'].includes(services[dep].restart) }).toEqual({ name, dep, oneShot: true });
      }
  });

  test('migrate waits for a healthy postgres', () => {
    expect(dependsOn('migrate').postgres).toBe('service_healthy');
  });

  test.each(['api', 'worker'])('%s waits for migrations to finish and for a healthy redis', (name) => {
    expect(dependsOn(name).migrate).toBe('service_completed_successfully');
    expect(dependsOn(name).redis).toBe('service_healthy');
  });

  test('worker stop_grace_period exceeds its SHUTDOWN_GRACE_SECONDS (in-flight sends finish)', () => {
    const { SHUTDOWN_GRACE_SECONDS } = loadConfig(workerEnvSchema, serviceEnv('worker'));
    expect(durationSeconds(services.worker.stop_grace_period)).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
  });

  test('api stop_grace_period exceeds its SHUTDOWN_GRACE_SECONDS', () => {
    const { SHUTDOWN_GRACE_SECONDS } = loadConfig(apiEnvSchema, serviceEnv('api'));
    expect(durationSeconds(services.api.stop_grace_period)).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
  });
});

describe('docker-compose.yml: docker compose config', () => {
  const probe = (): { ok: true } | { ok: false; reason: string } => {
    try {
      execFileSync('docker', ['--version'], { stdio: 'ignore' });
    } catch {
      return { ok: false, reason: 'docker CLI not found' };
    }
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    } catch {
      return { ok: false, reason: 'docker CLI has no compose plugin' };
    }
    return { ok: true };
  };
  const available = probe();
  (available.ok ? test : test.skip)(
    `docker compose config -q accepts the file${available.ok ? '' : ` (skipped: ${available.reason})`}`,
    () => {
      execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], { cwd: ROOT, stdio: 'pipe' });
    },
  );
});
