import { workerEnvSchema } from '@postdate/config';
import { runService } from '@postdate/observability';
import { startWorker } from './start-worker';

runService('worker', workerEnvSchema, (config, log) => startWorker(config, log));
