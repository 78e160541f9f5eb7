// `npm test` (scripts/bootstrap.mjs installs first): makes Postgres, Redis and a browser available, then runs
// the checks from the cheapest to the most expensive, stopping at the first failure so the signal comes
// quickly. Arguments go to jest, e.g. `npm test -- --testPathPatterns config` or `npm test -- -t quota`.
import path from 'node:path';
import { canAptInstall, ensureChromium, ensureRedisServer, LocalServiceError } from '@postdate/test-support/local-services';
import { ensureServices } from './lib/ensure-services';
import { announce, exitOnError, log } from './lib/log';
import { repoRoot } from './lib/repo-root';
import { run } from './lib/run-command';

const turbo = path.join(repoRoot, 'node_modules', '.bin', 'turbo');

async function main(jestArgs: string[]): Promise<number> {
  // The suites create (and drop) databases of their own: all they need is the admin database.
  const { settings, databaseUrl, redisUrl } = await ensureServices('postgres');
  // Some suites flush or stop a Redis of their own, which needs redis-server even where a shared Redis answers.
  await ensureRedisServer({ searchPath: settings.searchPath, canInstall: canAptInstall(settings), progress: log }).catch((error: unknown) => {
    if (!(error instanceof LocalServiceError)) throw error;
    log('redis-server is not installed: the suites that start a private Redis will fail');
  });
  await ensureChromium(settings, log);

  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, TURBO_TELEMETRY_DISABLED: '1' };
  const steps: [string, string[]][] = [
    ['typecheck (tsc --noEmit), lint (eslint), import cycles (madge)', ['run', 'typecheck', 'lint', 'typecheck:root', 'lint:root', 'cycles', '--output-logs=errors-only']],
    ['audit: npm audit --omit=dev --audit-level=high', ['run', 'audit:runtime']],
    // One workspace's jest at a time, each with two workers: two cores, and suites that start processes.
    [`tests: jest ${jestArgs.join(' ')}`.trimEnd(), ['run', 'test', '--concurrency=1', ...passThrough(jestArgs)]],
  ];
  for (const [step, args] of steps) {
    announce(step);
    const code = await run(turbo, args, env);
    if (code !== 0) {
      log(`failed: ${step}`);
      return code;
    }
  }
  return 0;
}

/**
 * turbo 2.11 with --concurrency reads a last argument that names one of its own commands (`config`, `login`,
 * `info`…) as that command, even after `--`: `npm test -- config` printed turbo's settings. A last flag that
 * jest already gets keeps the user's arguments from ever being last.
 */
function passThrough(jestArgs: string[]): string[] {
  return jestArgs.length > 0 ? ['--', ...jestArgs, '--passWithNoTests'] : [];
}

main(process.argv.slice(2)).then((code) => process.exit(code), exitOnError);
