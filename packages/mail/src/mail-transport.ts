/** One message as the deliverer hands it to a transport: already validated, addresses normalised. */
export interface OutgoingMessage {
  messageId: string;
  from: string;
  replyTo: string[];
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
}

export interface SendResult {
  accepted: string[];
  rejected: { address: string; response: string }[];
  response: string;
}

/** Whether trying again later can help: 5xx says no, 4xx and broken connections say maybe. */
export type FailureKind = 'permanent' | 'transient';

export class MailSendError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly responseCode?: number,
    readonly rejected: { address: string; response: string }[] = [],
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

/** What the deliverer needs of a mail system; SMTP in production, anything in tests. */
export interface MailTransport {
  send(message: OutgoingMessage): Promise<SendResult>;
  verify(): Promise<void>;
  close(): void;
}
