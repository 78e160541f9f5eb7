import type { DkimSigning, OutgoingMessage } from '@postdate/mail';
import type { ClaimedEmail } from './claim-for-delivery';

/** The message a claimed email becomes: the recipients the claim returned, signed when the sender check gave a key. */
export function outgoingMessage(email: ClaimedEmail, dkim: DkimSigning | undefined): OutgoingMessage {
  const pick = (kind: string) =>
    email.recipients.filter((r) => r.kind === kind).map((r) => (r.name ? `"${r.name}" <${r.address}>` : r.address));
  return {
    messageId: email.messageId,
    from: email.from,
    replyTo: email.replyTo,
    to: pick('to'),
    cc: pick('cc'),
    bcc: pick('bcc'),
    subject: email.subject,
    ...(email.text !== null ? { text: email.text } : {}),
    ...(email.html !== null ? { html: email.html } : {}),
    headers: email.headers,
    ...(dkim && { dkim }),
  };
}
