// `npm run services`: finds or starts Postgres and Redis as `npm run stack` does, and prints their URLs as
// shell exports (`eval "$(npm run --silent services)"`), for running the processes one by one.
// `npm run services -- stop` stops the private servers under .local/ (never the machine's own).
import { redactUrl, stopLocalServices, readLocalServicesSettings } from '@postdate/test-support/local-services';
import { ensureServices } from './lib/ensure-services';
import { exitOnError, log } from './lib/log';
import { repoRoot } from './lib/repo-root';

const USAGE = 'usage: npm run services [-- stop]';

/** An export line, except for a URL holding a password: that one is the user's already, and never printed. */
function exportLine(variable: string, url: string): string {
  if (new URL(url).password) return `# ${variable}=${redactUrl(url)} (holds a password: not repeated here)`;
  return `export ${variable}='${url.replace(/'/g, `'\\''`)}'`;
}

async function main(args: string[]): Promise<number> {
  if (args.length === 0) {
    const { databaseUrl, redisUrl } = await ensureServices('postdate');
    process.stdout.write(`${exportLine('DATABASE_URL', databaseUrl)}\n${exportLine('REDIS_URL', redisUrl)}\n`);
    return 0;
  }
  if (args.length === 1 && args[0] === 'stop') {
    const stopped = await stopLocalServices(readLocalServicesSettings(process.env, repoRoot), log);
    if (!stopped.postgres && !stopped.redis) log('no private server under .local/ was running');
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then((code) => process.exit(code), exitOnError);
