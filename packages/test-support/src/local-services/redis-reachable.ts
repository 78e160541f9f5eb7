import { Redis } from 'ioredis';

/** Whether a Redis at `url` answers PING (with the URL's credentials) within the timeout: one quick yes or no, no reconnect loop. */
export async function isRedisReachable(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 1000);
  });
  const ping = client
    .connect()
    .then(() => client.ping())
    .then((reply) => reply === 'PONG', () => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
    // After a refused connection the client has ended already; disconnect() would arm a 2 s timer for a
    // socket that never closes again, keeping the process alive for nothing.
    if (client.status !== 'end') client.disconnect();
  }
}
