// What starts postdate's apps for the scenario and race tests: an in-process stack (API and workers on a
// database of the test's own), worker processes, and race worlds. It sits above the apps it starts.
export { startTestStack } from './test-stack';
export type { TestStack } from './test-stack';
export { startWorkerProcess } from './worker-process';
export type { WorkerProcess } from './worker-process';
export { startApiProcess } from './api-process';
export type { ApiProcess } from './api-process';
export { startRaceWorld, raceScale, seededRandom, raceSeed } from './race-world';
export type { RaceWorld } from './race-world';
export { usePostgresOutageWorld } from './postgres-outage-world';
export type { OutageOutcome } from './postgres-outage-world';
