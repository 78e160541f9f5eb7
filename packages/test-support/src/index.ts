// @postdate/test-support: generic fixtures for tests and benchmarks, nothing of postdate's own code:
// free ports, waiting, a recording SMTP server, a TCP proxy that can cut or silence connections, the
// addresses of the shared services, and local-services/: finding or starting Postgres and Redis (the shared
// ones `npm test` and `npm run stack` use, and the private ones a test stops and starts).
export { freePort, freePorts } from './free-port';
export { waitFor, sleep } from './wait-for';
export { redisUrl, uniqueQueuePrefix } from './service-urls';
export { startSmtpSink } from './smtp-sink';
export type { SmtpSink, ReceivedMessage, SinkBehaviour, SmtpReply, SinkOptions } from './smtp-sink';
export { startDnsServer } from './dns-server';
export type { DnsServer } from './dns-server';
export { verifyDkim } from './dkim-verifier';
export type { DkimVerdict } from './dkim-verifier';
export { startWebhookReceiver } from './webhook-receiver';
export type { WebhookReceiver, ReceivedWebhook, ReceiverReply, WebhookReceiverBehaviour } from './webhook-receiver';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
export * from './local-services';
export { apiClient } from './api-client';
export type { ApiClient } from './api-client';
export { workerVariables, workerConfig, apiConfig, clusterEnvironment, TEST_DKIM_ENCRYPTION_KEY } from './test-env';
export type { Environment } from './test-env';
