export { createLogger } from './logger';
export type { Logger } from './logger';
export { checkReadiness } from './readiness';
export type { ReadinessChecks, ReadinessReport } from './readiness';
export { startProbeServer } from './http-probes';
export { runService } from './run-service';
export type { Stoppable } from './run-service';
