import { apiEnvSchema, ConfigError, hashTag, loadConfig, redisTarget, workerEnvSchema } from '../src/index';

// One Redis server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES), and on a cluster a prefix that keeps
// every key of a queue in one slot.

const base = { DATABASE_URL: 'postgresql://postdate@db:5432/postdate', DKIM_ENCRYPTION_KEY: 'a'.repeat(64) };
const worker = { ...base, SMTP_URL: 'smtp://mailpit:1025', MAIL_DOMAIN: 'mail.example.com' };

function problems(env: Record<string, string>, schema: typeof apiEnvSchema | typeof workerEnvSchema = apiEnvSchema): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('REDIS_CLUSTER_NODES', () => {
  test('a host:port list is the cluster to start from, with the default {postdate} prefix, for api and worker alike', () => {
    const env = { REDIS_CLUSTER_NODES: ' 10.0.0.1:6379, redis-1.redis.svc:7000,[fd00::3]:6380 ' };
    for (const config of [loadConfig(apiEnvSchema, { ...base, ...env }), loadConfig(workerEnvSchema, { ...worker, ...env })]) {
      expect(config.REDIS_URL).toBeUndefined();
      expect(config.QUEUE_PREFIX).toBe('{postdate}');
      expect(redisTarget(config)).toEqual({
        nodes: [{ host: '10.0.0.1', port: 6379 }, { host: 'redis-1.redis.svc', port: 7000 }, { host: 'fd00::3', port: 6380 }],
        tls: false,
      });
    }
  });

  test('URL entries carry the password and TLS for every node; they must agree', () => {
    const config = loadConfig(apiEnvSchema, { ...base, REDIS_CLUSTER_NODES: 'rediss://default:s%40cret@cfg.cache.example:6379,10.0.0.2:6379' });
    expect(redisTarget(config)).toEqual({ nodes: [{ host: 'cfg.cache.example', port: 6379 }, { host: '10.0.0.2', port: 6379 }], username: 'default', password: 's@cret', tls: true });
    expect(problems({ ...base, REDIS_CLUSTER_NODES: 'redis://:one@a:6379,redis://:two@b:6379' })).toEqual([
      'REDIS_CLUSTER_NODES: its URL entries differ in scheme, user or password: one cluster is reached one way',
    ]);
    expect(problems({ ...base, REDIS_CLUSTER_NODES: 'redis://a:6379/2' })).toEqual(['REDIS_CLUSTER_NODES: a Redis Cluster has only database 0: drop the /<db> from its URLs']);
  });

  test.each(['redis', 'a:0', 'a:70000', 'a:6379;b:6379', ' , ', '[zz::1]:6379'])('%j is refused, naming the variable and the format', (value) => {
    const found = problems({ ...base, REDIS_CLUSTER_NODES: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^REDIS_CLUSTER_NODES: must be host:port entries .* separated by commas/);
  });

  test('REDIS_URL and REDIS_CLUSTER_NODES together are refused: which one would be meant?', () => {
    expect(problems({ ...base, REDIS_URL: 'redis://redis:6379', REDIS_CLUSTER_NODES: 'a:6379' })).toEqual([
      'REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    ]);
  });

  test('neither is refused, and the message points at both', () => {
    expect(problems(base)).toEqual(['REDIS_URL: is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)']);
    // Reported beside the other variables' problems, not only once they are fixed.
    expect(problems({ MAIL_DOMAIN: 'mail.example.com' }, workerEnvSchema).sort()).toEqual([
      'DATABASE_URL is required but not set',
      'REDIS_URL: is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)',
      'SMTP_URL is required but not set',
    ]);
  });
});

describe('QUEUE_PREFIX on a Redis Cluster', () => {
  test.each(['postdate', '{}postdate', '{postdate', 'postdate}', '}{', 'pd:{}:{x}'])('%j (no hash tag) is refused at load, with a prefix that would do', (prefix) => {
    for (const [schema, env] of [[apiEnvSchema, base], [workerEnvSchema, worker]] as const) {
      const found = problems({ ...env, REDIS_CLUSTER_NODES: 'a:6379', QUEUE_PREFIX: prefix }, schema);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`QUEUE_PREFIX: '${prefix}' has no hash tag, which a Redis Cluster (REDIS_CLUSTER_NODES) needs: wrap it in braces, e.g. {`);
    }
  });

  test.each(['{postdate}', 'pd{eu}', '{a}{b}', 'x{y}z'])('%j has one and is kept', (prefix) => {
    expect(loadConfig(apiEnvSchema, { ...base, REDIS_CLUSTER_NODES: 'a:6379', QUEUE_PREFIX: prefix }).QUEUE_PREFIX).toBe(prefix);
  });

  test('one Redis server takes any prefix, as before', () => {
    expect(loadConfig(apiEnvSchema, { ...base, REDIS_URL: 'redis://redis:6379', QUEUE_PREFIX: 'postdate' }).QUEUE_PREFIX).toBe('postdate');
  });

  test('the hash tag is what Redis hashes: the first non-empty {…}', () => {
    expect([hashTag('{postdate}:deliveries:1'), hashTag('a{b}{c}'), hashTag('{}{b}'), hashTag('{b'), hashTag('b}')]).toEqual(['postdate', 'b', null, null, null]);
  });
});
