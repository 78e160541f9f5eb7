import { ConfigError, loadConfig, workerEnvSchema } from '@postdate/config';
import { createLogger } from '@postdate/observability';
import { startWorker } from './start-worker';

async function main() {
  let config;
  try {
    config = loadConfig(workerEnvSchema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`postdate worker: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.LOG_LEVEL, service: 'worker' });
  const worker = await startWorker(config, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutdown requested');
    worker.stop().then(
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
  process.stderr.write(`postdate worker failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
