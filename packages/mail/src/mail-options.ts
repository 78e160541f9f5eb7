import type Mail from 'nodemailer/lib/mailer';
import { DKIM_SIGNED_HEADERS } from './dkim-headers';
import type { OutgoingMessage } from './mail-transport';

/**
 * What nodemailer is asked to send for one message: the one mapping from postdate's message to
 * nodemailer's fields, so the header-injection tests render exactly what the SMTP transport sends.
 */
export function toMailOptions(message: OutgoingMessage): Mail.Options {
  return {
    messageId: message.messageId,
    from: message.from,
    replyTo: message.replyTo.length > 0 ? message.replyTo : undefined,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.headers,
    // relaxed/relaxed and rsa-sha256 are what nodemailer's signer does; the header list is ours.
    ...(message.dkim && { dkim: { ...message.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } }),
    // Message content never names files or URLs for nodemailer to fetch: no SSRF, no local file reads.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
