// The connection to the address that passed the checks, never to the name: connect gets an IP, so nothing
// resolves the name a second time. The name still goes where the server expects it: SNI and certificate
// verification here, the Host header in the request.
import net from 'node:net';
import tls from 'node:tls';
import { ipLiteral } from './check-webhook-url';
import type { WebhookSenderOptions } from './webhook-sender';

export type Connect = NonNullable<WebhookSenderOptions['connect']>;

/** Node's own TCP connection; with an IP for host, net.connect does no lookup. */
export const connectTcp: Connect = ({ host, port }) => net.connect({ host, port });

export interface ConnectionTarget {
  url: URL;
  address: string;
  connect: Connect;
}

/**
 * A socket ready for HTTP to `target.url`: TCP from `connect`, with TLS layered on for https. A `connect` that
 * returns a TLS socket already (it was handed `servername`) is trusted to have done the TLS itself.
 */
export function openConnection({ url, address, connect }: ConnectionTarget): net.Socket {
  const https = url.protocol === 'https:';
  const port = Number(url.port) || (https ? 443 : 80);
  const name = ipLiteral(url.hostname) === undefined ? url.hostname : undefined;
  // RFC 6066 forbids an IP as SNI; a URL with an IP literal is verified against the certificate's IP SANs.
  const servername = https ? name : undefined;
  const socket = connect({ host: address, port, ...(servername ? { servername } : {}) });
  if (!https || socket instanceof tls.TLSSocket) return socket;
  const secure = tls.connect({
    socket,
    // The identity the certificate must prove: the URL's host, never the address we connected to.
    host: name ?? ipLiteral(url.hostname),
    ...(servername ? { servername } : {}),
    ALPNProtocols: ['http/1.1'],
  });
  // The TLS socket reports its own failures; a TCP error must end the attempt too, and close both.
  socket.on('error', (error) => secure.destroy(error));
  secure.once('close', () => socket.destroy());
  return secure;
}
