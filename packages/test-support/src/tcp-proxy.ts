import net from 'node:net';

export interface TcpProxy {
  port: number;
  /**
   * From now on, the connections open through the proxy carry nothing either way, not even a close: the
   * client's end stays open and never hears back (a half-open connection after a failover or a partition).
   * Connections opened later are forwarded as usual.
   */
  blackholeOpenConnections(): void;
  /**
   * As blackholeOpenConnections, and connections opened later are accepted and silenced too: a peer that
   * hangs (stopped, or stuck in a long command) still completes TCP handshakes but never answers.
   */
  blackholeAllConnections(): void;
  /** Aborts the connections open through the proxy with a TCP reset, as a crashed peer or a firewall does. */
  resetOpenConnections(): void;
  /** Connections currently open through the proxy. */
  openConnections(): number;
  close(): Promise<void>;
}

/** A TCP forwarder on a free local port to `target`, for tests that break connections on purpose. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; silenced: boolean }>();
  let silenceNew = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream, silenced: silenceNew };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!pair.silenced) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silenced) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    // A silenced connection does not pass a close on either: the client must find out by itself.
    const upstreamEnded = () => (pair.silenced ? upstream.destroy() : end());
    upstream.on('close', upstreamEnded).on('error', upstreamEnded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackholeOpenConnections() {
      for (const pair of pairs) pair.silenced = true;
    },
    blackholeAllConnections() {
      silenceNew = true;
      for (const pair of pairs) pair.silenced = true;
    },
    resetOpenConnections() {
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
    },
    openConnections: () => pairs.size,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
