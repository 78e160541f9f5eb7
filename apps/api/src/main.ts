import { apiEnvSchema, ConfigError, loadConfig } from '@postdate/config';
import { createLogger } from '@postdate/observability';
import { startApi } from './start-api';

async function main() {
  let config;
  try {
    config = loadConfig(apiEnvSchema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`postdate api: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.LOG_LEVEL, service: 'api' });
  const api = await startApi(config, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutdown requested');
    api.stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`postdate api failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
