import type { Logger } from './logger';

export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ReadinessReport {
  ready: boolean;
  /** Which dependency failed, never how: the error text is logged, not served. */
  checks: Record<string, 'ok' | 'unavailable'>;
}

/**
 * Runs every dependency check at once, each bounded by a timeout, and reports which failed. Anyone who can
 * reach a probe port reads the report, so a failure's message (host names, ports, user names, driver
 * internals) goes to `log` instead, one warning per failed check.
 */
export async function checkReadiness(checks: ReadinessChecks, log: Logger, timeoutMs = 2000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
          }),
        ]);
        return [name, 'ok'] as const;
      } catch (error) {
        log.warn({ check: name, err: error instanceof Error ? error.message : String(error) }, 'readiness check failed');
        return [name, 'unavailable'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: entries.every(([, v]) => v === 'ok'), checks: Object.fromEntries(entries) };
}
