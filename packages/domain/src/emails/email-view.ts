import type { Recipient, ScheduledEmail } from '@postdate/db';

export type EmailWithRecipients = ScheduledEmail & { recipients: Recipient[] };

/** What clients see of an email: ids as strings, camelCase, no tenant or internal bookkeeping. */
export interface EmailView {
  id: string;
  object: 'email';
  status: ScheduledEmail['status'];
  sendAt: string;
  expiresAfter: number | null;
  from: string;
  replyTo: string[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  recipients: { address: string; name: string | null; kind: Recipient['kind']; status: Recipient['status']; smtpResponse: string | null }[];
  version: number;
  attempts: number;
  messageId: string | null;
  failureReason: string | null;
  lastError: string | null;
  sentAt: string | null;
  canceledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toEmailView(email: EmailWithRecipients): EmailView {
  return {
    id: email.id.toString(),
    object: 'email',
    status: email.status,
    sendAt: email.sendAt.toISOString(),
    expiresAfter: email.expiresAfterSeconds,
    from: email.fromAddress,
    replyTo: email.replyTo,
    subject: email.subject,
    text: email.textBody,
    html: email.htmlBody,
    headers: email.headers as Record<string, string>,
    metadata: email.metadata as Record<string, unknown>,
    recipients: email.recipients
      .filter((r) => r.status !== 'removed')
      .map((r) => ({ address: r.address, name: r.name, kind: r.kind, status: r.status, smtpResponse: r.smtpResponse })),
    version: email.version,
    attempts: email.attempts,
    messageId: email.messageId,
    failureReason: email.failureReason,
    lastError: email.lastError,
    sentAt: email.sentAt?.toISOString() ?? null,
    canceledAt: email.canceledAt?.toISOString() ?? null,
    createdAt: email.createdAt.toISOString(),
    updatedAt: email.updatedAt.toISOString(),
  };
}
