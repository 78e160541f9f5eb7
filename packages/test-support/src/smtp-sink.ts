import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { verifyDkim, type DkimVerdict } from './dkim-verifier';

export interface ReceivedMessage {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  raw: string;
  receivedAt: Date;
  /** Each DKIM signature's verdict, checked with mailauth against `dkimResolver`'s DNS; absent without one. */
  dkim?: DkimVerdict[];
}

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SinkBehaviour {
  /** Refuse a recipient at RCPT TO (e.g. 550 for a poison address). */
  rcpt?: (address: string) => SmtpReply | undefined;
  /** Decide the reply to DATA once the whole message is in; may wait (to hold a send in flight). */
  data?: (message: ReceivedMessage) => Promise<SmtpReply | undefined> | SmtpReply | undefined;
  /** Rewrites a message as it arrives, before anything checks or records it: a relay altering it in transit. */
  tamper?: (raw: string) => string;
}

export interface SinkOptions {
  /** Verify every DKIM signature against this DNS (e.g. startDnsServer's resolver): ReceivedMessage.dkim. */
  dkimResolver?: { resolve: (name: string, rrtype: string) => Promise<unknown> };
}

export interface SmtpSink {
  port: number;
  url: string;
  /** Messages the sink answered 250 to. */
  accepted: ReceivedMessage[];
  /** Every DATA the sink received, accepted or not. */
  received: ReceivedMessage[];
  behaviour: SinkBehaviour;
  /** Socket errors from clients that went away mid-conversation (a SIGKILLed worker, say). */
  connectionErrors: string[];
  countByMessageId(): Map<string, number>;
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim() ?? '';
}

/** A real SMTP server (smtp-server) on a free port that records what reached it. */
export async function startSmtpSink(behaviour: SinkBehaviour = {}, options: SinkOptions = {}): Promise<SmtpSink> {
  const accepted: ReceivedMessage[] = [];
  const received: ReceivedMessage[] = [];
  const sink = { behaviour, connectionErrors: [] as string[] } as unknown as SmtpSink;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // No reverse DNS of 127.0.0.1 (nothing here answers it): it held each new connection's greeting back,
    // so the first messages of a pool arrived late and together, not when they were sent.
    disableReverseLookup: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const reply = sink.behaviour.rcpt?.(address.address);
      if (!reply) return callback();
      const error = Object.assign(new Error(reply.message), { responseCode: reply.code });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const arrived = Buffer.concat(chunks).toString('utf8');
        const raw = sink.behaviour.tamper ? sink.behaviour.tamper(arrived) : arrived;
        const dkim = options.dkimResolver ? await verifyDkim(raw, options.dkimResolver) : undefined;
        const message: ReceivedMessage = {
          messageId: header(raw, 'Message-ID'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          raw,
          receivedAt: new Date(),
          ...(dkim && { dkim }),
        };
        received.push(message);
        Promise.resolve(sink.behaviour.data?.(message)).then(
          (reply) => {
            if (reply && reply.code >= 400) {
              return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
            }
            accepted.push(message);
            callback(null, 'queued by sink');
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  // A client killed mid-conversation resets its socket; for a sink that is an event to note, not a crash.
  server.on('error', (error: Error) => sink.connectionErrors.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(sink, {
    port,
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    received,
    countByMessageId() {
      const counts = new Map<string, number>();
      for (const m of accepted) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
