import { apiEnvSchema } from '@postdate/config';
import { runService } from '@postdate/observability';
import { startApi } from './start-api';

runService('api', apiEnvSchema, startApi);
