import type { MailTransport, OutgoingMessage } from '@postdate/mail';

/** A transport that accepts every message at once and keeps each in `sent`, for tests that look at what went out. */
export function recordingTransport(): { transport: MailTransport; sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  const transport: MailTransport = {
    send: async (message) => {
      sent.push(message);
      return { accepted: message.to, rejected: [], response: '250 ok' };
    },
    verify: async () => undefined,
    close: () => undefined,
  };
  return { transport, sent };
}
