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
  /** Sign with this key (the From's domain's); absent: sent unsigned. */
  dkim?: DkimSigning;
}

/** A DKIM key to sign one message with: d=, s= and the private key (PEM), opened just for this send. */
export interface DkimSigning {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** One recipient the server refused, what it said, and whether for good (5xx) or for now (4xx). */
export interface RecipientRefusal {
  address: string;
  response: string;
  permanent: boolean;
}

export interface SendResult {
  accepted: string[];
  rejected: RecipientRefusal[];
  response: string;
}

/**
 * Whether trying again later can help: 5xx says no, 4xx and broken connections say maybe; `throttled` is a
 * 4xx that says the relay wants us to slow down (a rate or concurrency limit), not that the email is at
 * fault: worth a short pause for everyone rather than a backoff and a spent attempt for this email.
 */
export type FailureKind = 'permanent' | 'transient' | 'throttled';

export class MailSendError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly responseCode?: number,
    readonly rejected: RecipientRefusal[] = [],
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
