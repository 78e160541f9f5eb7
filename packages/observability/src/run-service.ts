import type { z } from 'zod';
import { ConfigError, loadConfig } from '@postdate/config';
import { createLogger, type Logger } from './logger';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The shell of every long-running postdate process: parse the environment once (exit 2 naming the bad
 * variable), start, and on SIGTERM/SIGINT stop gracefully and exit 0 (1 if stopping failed).
 */
export function runService<S extends z.ZodObject<z.ZodRawShape>>(
  service: string,
  schema: S,
  start: (config: z.infer<S>, log: Logger) => Promise<Stoppable>,
): void {
  let config: z.infer<S>;
  try {
    config = loadConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`postdate ${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: (config as { LOG_LEVEL: string }).LOG_LEVEL, service });
  // A bug that escapes every handler still ends the process (its state is unknown), but says why first,
  // through the same log as everything else, rather than as a bare stack trace on stderr.
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  start(config, log).then(
    (running) => {
      const shutdown = (signal: string) => {
        log.info({ signal }, 'shutdown requested');
        running.stop().then(
          () => process.exit(0),
          (error) => {
            log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (error) => {
      process.stderr.write(`postdate ${service} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
