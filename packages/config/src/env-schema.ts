import { z } from 'zod';
import { redisRules, redisTargetCheck } from './redis-env';
import { trustProxySchema } from './trust-proxy';
import { dkimKeyWhenRequired, domainRecheckRules, senderDomainRules } from './sender-domain-env';

// Every environment variable postdate reads, in one place. Apps parse process.env once at start
// (loadConfig) and thread the typed result down; libraries never read the environment.

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL');
const smtpUrl = z
  .string()
  .url()
  .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const hostname = z
  .string()
  .regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name such as mail.example.com');

export const sharedEnvSchema = z.object({
  DATABASE_URL: postgresUrl,
  ...redisRules,
  DATABASE_POOL_SIZE: positiveInt.default(10),
  /**
   * Postgres cancels a statement running longer than this and ends a session left idle inside a
   * transaction this long (releasing its locks); the client gives up on a connection that stays silent
   * 5 s longer (a half-open connection) and replaces it. 0 turns all three off.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * BullMQ key prefix, and of postdate's own keys; the braces are a Redis Cluster hash tag so every queue key
   * lands in one slot (required with REDIS_CLUSTER_NODES).
   */
  QUEUE_PREFIX: z.string().min(1).default('{postdate}'),
  /** Emails due further ahead than this are kept out of Redis; the sweeper promotes them later. */
  ENQUEUE_HORIZON_SECONDS: positiveInt.default(3600),
});

/** What the API and the worker build on: the shared variables, with one Redis server or a Redis Cluster. */
const queueEnvSchema = sharedEnvSchema.check(redisTargetCheck);

/**
 * The SSRF rules for webhook URLs: the API applies them when an endpoint is registered or changed, the worker
 * again before every POST (to the address the name resolves to then). Set them alike for both.
 */
const webhookUrlRules = {
  /** Plain http:// endpoints as well as https://. */
  WEBHOOK_ALLOW_HTTP: booleanFlag.default(false),
  /** Endpoints on loopback, private, link-local (cloud metadata) and CGNAT addresses: tests, private networks. */
  WEBHOOK_ALLOW_PRIVATE: booleanFlag.default(false),
};

/** Whole seconds separated by commas, as a list: "5,300,1800". */
const secondsList = z
  .string()
  .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, 'must be whole seconds separated by commas, e.g. 5,300,1800')
  .transform((value) => value.split(',').map((seconds) => Number(seconds.trim())))
  .refine((waits) => waits.length <= 50 && waits.every((s) => s >= 1 && s <= 30 * 86_400), 'each wait must be 1 s to 30 days, at most 50 waits');

export const apiEnvSchema = queueEnvSchema.extend({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  BODY_LIMIT_BYTES: positiveInt.default(1_048_576),
  MAX_RECIPIENTS: positiveInt.default(100),
  MAX_SCHEDULE_DAYS: positiveInt.default(365),
  MAX_BATCH_SIZE: positiveInt.default(1000),
  /**
   * Recipients one /v1/emails/batch may carry in all: bounds the rows one transaction writes (1,000 emails of
   * 100 recipients would be 100,000).
   */
  MAX_BATCH_RECIPIENTS: positiveInt.default(10_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /**
   * Failed authentications one client address may make per minute; past that it is answered 429 before its
   * key is looked up in Postgres. Counted in Redis, shared by replicas. 0 turns it off.
   */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** Which proxies' X-Forwarded-For names the client's address (see trust-proxy.ts); false: the peer's. */
  TRUST_PROXY: trustProxySchema.default(false),
  ADMIN_USER: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  ADMIN_READ_ONLY: booleanFlag.default(false),
  /**
   * When set, /metrics (and /healthz, /readyz) are served on this port, and /metrics no longer on PORT. Not
   * METRICS_PORT: that is the worker's, and one shell environment running both would bind it twice.
   */
  API_METRICS_PORT: port.optional(),
  SHUTDOWN_GRACE_SECONDS: positiveInt.default(10),
  ...webhookUrlRules,
  /** How long a webhook endpoint's secret keeps signing, beside the new one, after a rotation. */
  WEBHOOK_SECRET_GRACE_HOURS: z.coerce.number().min(0).max(720).default(24),
  ...senderDomainRules,
}).superRefine(dkimKeyWhenRequired);

export const workerEnvSchema = queueEnvSchema.extend({
  SMTP_URL: smtpUrl,
  MAIL_DOMAIN: hostname,
  WORKER_CONCURRENCY: positiveInt.default(10),
  /** Most deliveries one claim or sent-record statement carries; 1 makes every delivery its own statements. */
  DELIVERY_BATCH_SIZE: positiveInt.default(50),
  /**
   * How long a delivery's claim or sent-record waits for others to share its statement: at most twice
   * this per delivery, in exchange for far fewer statements under load. 0 turns the wait off.
   */
  DELIVERY_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(10),
  WORKER_ID: z.string().min(1).optional(),
  /** Port of the worker's own /healthz, /readyz and /metrics server; 0 picks a free port. */
  METRICS_PORT: port.default(9464),
  /**
   * SMTP connections per worker; defaults to WORKER_CONCURRENCY so a claimed email never queues for a
   * connection. Lower it for relays that limit connections (a queued send keeps renewing its lease,
   * up to MAX_SEND_SECONDS).
   */
  SMTP_POOL_SIZE: positiveInt.optional(),
  SMTP_TIMEOUT_MS: positiveInt.default(30_000),
  /**
   * Most emails sent per second across every worker process and pod (BullMQ's limiter, counted in Redis).
   * Unset: no limit. Set it a little under what your relay allows (SES starts at 14/s).
   */
  SMTP_MAX_PER_SECOND: positiveInt.optional(),
  /**
   * How long a claim is valid unless renewed; a running send renews it every third of this, so it bounds
   * how long a dead worker's email waits for the sweeper, not how long a send may take. At most a day:
   * renewal runs on a timer of a third of it, and Node's timers stop at ~24.8 days.
   */
  LEASE_SECONDS: positiveInt.max(86_400).default(120),
  /**
   * A send still running this long is presumed hung (a relay trickling bytes, a pool connection that
   * never frees) and stops renewing its lease: the sweeper takes the email back once the lease runs out.
   */
  MAX_SEND_SECONDS: positiveInt.default(600),
  MAX_ATTEMPTS: positiveInt.default(8),
  RETRY_BASE_SECONDS: positiveInt.default(30),
  RETRY_MAX_SECONDS: positiveInt.default(3600),
  SWEEP_INTERVAL_MS: positiveInt.default(5000),
  /** A scheduled email this late with no delivery is assumed to have lost its job and is re-enqueued. */
  SWEEP_GRACE_MS: positiveInt.default(30_000),
  SWEEP_BATCH_SIZE: positiveInt.default(500),
  /**
   * Days a finished email (sent, failed, canceled) is kept after it finished; the sweeper then deletes it with
   * its recipients, attempts and events, and it can no longer be read, re-armed or replayed by its
   * Idempotency-Key. 0 keeps finished emails forever.
   */
  RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  /** What to do with an email whose worker died mid-send: re-send (same Message-ID) or fail it. */
  LEASE_RECOVERY: z.enum(['at-least-once', 'at-most-once']).default('at-least-once'),
  SHUTDOWN_GRACE_SECONDS: positiveInt.default(30),
  ...webhookUrlRules,
  /** One webhook POST, connect to answer; the lease of a POST is at least twice this. */
  WEBHOOK_TIMEOUT_MS: positiveInt.max(300_000).default(10_000),
  /** The wait after each failed webhook attempt; the default spans about two and a half days, 11 attempts. */
  WEBHOOK_RETRY_SCHEDULE: secondsList.default([5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000]),
  /**
   * An endpoint failing this long without one success is disabled. Longer than the whole default retry
   * schedule (57.6 h), so the events that first met the outage have used every retry before it is disabled.
   */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().default(72),
  /**
   * Webhook POSTs in flight per process. They mostly wait on receivers, and the more are in flight the more
   * share each claim and record statement (bench:webhooks: 50 cut the CPU per webhook by a fifth against 20).
   */
  WEBHOOK_CONCURRENCY: positiveInt.default(50),
  /** How often each worker looks for due webhook deliveries to give jobs. */
  WEBHOOK_POLL_MS: positiveInt.max(60_000).default(200),
  ...senderDomainRules,
  ...domainRecheckRules,
}).superRefine(dkimKeyWhenRequired);

/** The migrate command (npm run migrate: the Kubernetes Job, compose's one-shot service). */
export const migrateEnvSchema = sharedEnvSchema.pick({ DATABASE_URL: true }).extend({
  /**
   * How long a migration may wait for a table lock before it gives up and is tried again (5 tries): a
   * migration stuck behind a long transaction would otherwise queue all traffic on that table behind it.
   */
  MIGRATION_LOCK_TIMEOUT_MS: positiveInt.max(600_000).default(2_000),
});

export type SharedEnv = z.infer<typeof sharedEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
export type MigrateEnv = z.infer<typeof migrateEnvSchema>;
