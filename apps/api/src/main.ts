import { apiEnvSchema } from '@postdate/config';
import { runService } from '@postdate/observability';
import { startApi } from './start-api';

runService('api', apiEnvSchema, (config, log) => {
  // METRICS_PORT was the API's /metrics port too until API_METRICS_PORT replaced it; it is the worker's
  // alone now. Say so for a release, rather than let /metrics move back to PORT unremarked.
  // TODO(next release): remove this warning.
  if (process.env.METRICS_PORT && config.API_METRICS_PORT === undefined) {
    log.warn("METRICS_PORT is the worker's probe port and the API no longer reads it: /metrics is served on PORT; set API_METRICS_PORT to serve it on a port of its own");
  }
  return startApi(config, log);
});
