// `npm run stack` (scripts/bootstrap.mjs installs first): Postgres and Redis (found or started), migrations,
// a demo tenant, a mail catcher, then the API and the worker in the foreground, with Bull Board on.
// Ctrl-C stops what started here; Postgres and Redis under .local/ keep running, so the next start is instant.
// `npm run stack -- --admin-writable` lets the dashboard change jobs (retry, remove, …); it is read-only otherwise.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalServiceError } from '@postdate/test-support/local-services';
import { adminCredentials } from './lib/admin-credentials';
import { ChildGroup, type ChildExit } from './lib/child-group';
import { demoApiKey } from './lib/demo-api-key';
import { dkimEncryptionKey, trustDemoDomain } from './lib/demo-sender-domain';
import { ensureDatabase, ensureServices } from './lib/ensure-services';
import { exitOnError, log } from './lib/log';
import { startMailCatcher } from './lib/mail-catcher';
import { repoRoot } from './lib/repo-root';
import { capture, run, tsx } from './lib/run-command';
import { stackBanner } from './lib/stack-banner';
import { waitForApi } from './lib/wait-for-api';

const USAGE = 'usage: npm run stack [-- --admin-writable]';
const turbo = path.join(repoRoot, 'node_modules', '.bin', 'turbo');

async function main(argv: string[]): Promise<number> {
  const options = parseArgs({ args: argv, options: { 'admin-writable': { type: 'boolean', default: false } } }).values;
  // A Redis Cluster named by REDIS_CLUSTER_NODES is the apps' Redis as it is: no Redis server is looked for.
  const redisCluster = process.env.REDIS_CLUSTER_NODES || undefined;
  const { settings, databaseUrl, redisUrl } = redisCluster ? { ...(await ensureDatabase('postdate')), redisUrl: undefined } : await ensureServices('postdate');
  const redis = redisUrl === undefined ? { clusterNodes: redisCluster! } : { url: redisUrl };
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }), TURBO_TELEMETRY_DISABLED: '1' };
  // The apps refuse a config naming both: on a cluster, a REDIS_URL left in the shell is not passed on.
  if (redisCluster) delete env.REDIS_URL;

  // The apps import the generated Prisma client: regenerated if the schema changed since the install (else a
  // cache hit). Its output only matters when it fails.
  const generate = await capture(turbo, ['run', 'generate', '--output-logs=errors-only'], env);
  if (!generate.ok) throw new LocalServiceError(`generating the Prisma client failed:\n${generate.stdout}${generate.stderr}`);
  log('applying database migrations');
  if ((await run(...tsx('apps/cli/src/main.ts', 'migrate'), env)) !== 0) throw new LocalServiceError('migrations failed');
  const demoKey = await demoApiKey(settings.localDir, env);
  const mailDomain = env.MAIL_DOMAIN || 'postdate.local';
  env.DKIM_ENCRYPTION_KEY = dkimEncryptionKey(settings.localDir, env);
  await trustDemoDomain(mailDomain, env);
  const admin = adminCredentials(settings.localDir, process.env, { writable: options['admin-writable'] ?? false });

  const children = new ChildGroup();
  // From here on a signal is a request to stop the children, not a reason to die; a repeated one is the same request.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => resolve(signal));
  });
  try {
    const mail = await startMailCatcher(children, settings.localDir, env);
    const port = env.PORT || '3000';
    const appEnv: NodeJS.ProcessEnv = {
      ...env,
      SMTP_URL: mail.smtpUrl,
      MAIL_DOMAIN: mailDomain,
      PORT: port,
      // A development stack with a dashboard login on it: this machine only, unless HOST says otherwise.
      HOST: env.HOST || '127.0.0.1',
      ADMIN_USER: admin.user,
      ADMIN_PASSWORD: admin.password,
      ADMIN_READ_ONLY: String(admin.readOnly),
    };
    children.start('api', ...tsx('apps/api/src/main.ts'), { env: appEnv });
    children.start('worker', ...tsx('apps/worker/src/main.ts'), { env: appEnv });

    const apiUrl = `http://127.0.0.1:${port}`;
    const waiting = { stopped: false };
    const first = await Promise.race([
      waitForApi(apiUrl, waiting).then((answered) => (answered ? 'ready' : 'slow')),
      children.firstExit.then(() => 'exited'),
      stopRequested.then(() => 'stopping'),
    ]);
    waiting.stopped = true;
    if (first === 'slow') log(`the API did not answer ${apiUrl}/healthz within a minute; still waiting`);
    if (first === 'ready' || first === 'slow') {
      process.stdout.write(stackBanner({ apiUrl, mailUi: mail.webUi, databaseUrl, redis, demoKey, admin, mailDomain: appEnv.MAIL_DOMAIN as string }));
    }

    // In the foreground until a child dies (then the rest go down with a non-zero status, so a crash is not
    // mistaken for a clean exit) or a signal asks everything to stop.
    const outcome = await Promise.race([children.firstExit, stopRequested]);
    if (typeof outcome === 'string') {
      log(`stopping ${children.names().join(', ')}`);
      await children.stop();
      return outcome === 'SIGINT' ? 130 : 143;
    }
    log(`${describe(outcome)}; shutting down`);
    await children.stop();
    return 1;
  } catch (error) {
    await children.stop();
    throw error;
  }
}

const describe = (exit: ChildExit) => `${exit.name} exited (${exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`})`;

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    exitOnError(error);
  },
);
