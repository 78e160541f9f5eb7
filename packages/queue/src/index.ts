export { DELIVERY_QUEUE, SWEEP_QUEUE, SWEEP_SCHEDULER_ID } from './queue-names';
export { deliveryJobSchema, deliveryJobId } from './delivery-job';
export type { DeliveryJobData } from './delivery-job';
export { createRedisConnection } from './redis-connection';
export { createDeliveryQueue, enqueueDeliveries, reEnqueueDeliveries } from './delivery-queue';
export type { DeliveryQueue, DeliveryTargetLike } from './delivery-queue';
export { createSweepQueue, ensureSweepScheduler } from './sweep-queue';
export type { SweepQueue } from './sweep-queue';
