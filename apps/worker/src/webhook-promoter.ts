import type { WebhookTarget } from '@postdate/domain';
import type { Logger } from '@postdate/observability';

export interface WebhookPromoterOptions {
  /** Marks due deliveries queued and returns their job targets (committed). */
  promote: () => Promise<WebhookTarget[]>;
  enqueue: (targets: WebhookTarget[]) => Promise<void>;
  intervalMs: number;
  batchSize: number;
  log: Logger;
  onPromoted?: (count: number) => void;
}

export interface WebhookPromoter {
  /** Stops polling; resolves once a poll in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Gives due webhook deliveries their jobs, every `intervalMs` on each worker (concurrent promoters take
 * disjoint rows). A full batch means more are waiting: the next poll follows at once. Polls never overlap.
 * A failure is logged once per streak, not every poll; rows promoted but not enqueued (Redis refused) are
 * re-added by the sweeper's overdue scan.
 */
export function startWebhookPromoter(options: WebhookPromoterOptions): WebhookPromoter {
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const poll = async (): Promise<boolean> => {
    const targets = await options.promote();
    if (targets.length > 0) {
      options.onPromoted?.(targets.length);
      await options.enqueue(targets);
    }
    return targets.length >= options.batchSize;
  };

  const tick = () => {
    current = poll().then(
      (more) => {
        if (failing) options.log.info('webhook promotion works again');
        failing = false;
        schedule(more ? 0 : options.intervalMs);
      },
      (error: unknown) => {
        if (!failing) options.log.warn({ err: (error as Error).message }, 'webhook promotion failed; retrying every poll (logged once)');
        failing = true;
        schedule(options.intervalMs);
      },
    );
  };
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(tick, ms);
  };
  schedule(0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
