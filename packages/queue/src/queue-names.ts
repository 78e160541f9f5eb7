/** The BullMQ queues postdate runs. Keys live under `${prefix}:${name}:…` (default prefix `{postdate}`). */
export const DELIVERY_QUEUE = 'deliveries';
export const SWEEP_QUEUE = 'sweeps';
export const SWEEP_SCHEDULER_ID = 'sweep-due-emails';
