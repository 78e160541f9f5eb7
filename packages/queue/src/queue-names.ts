/** The BullMQ queues postdate runs. Keys live under `${prefix}:${name}:…` (default prefix `{postdate}`). */
export const DELIVERY_QUEUE = 'deliveries';
export const SWEEP_QUEUE = 'sweeps';
/** Webhook dispatch: one job per due delivery of an event to an endpoint. */
export const WEBHOOK_QUEUE = 'webhooks';
export const SWEEP_SCHEDULER_ID = 'sweep-due-emails';
