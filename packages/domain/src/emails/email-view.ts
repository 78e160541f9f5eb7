import { z } from 'zod';
import type { Recipient, ScheduledEmail } from '@postdate/db';

export type EmailWithRecipients = ScheduledEmail & { recipients: Recipient[] };

const isoDateTime = (description: string) => z.string().meta({ format: 'date-time', description });

/** One recipient as clients see it (a `removed` one is not shown). */
export const recipientViewSchema = z
  .strictObject({
    address: z.string().meta({ description: 'The domain lower-cased; the local part as written.' }),
    name: z.string().nullable(),
    kind: z.enum(['to', 'cc', 'bcc']),
    status: z.enum(['pending', 'sent', 'rejected', 'suppressed']),
    smtpResponse: z.string().nullable().meta({ description: "The relay's reply for this recipient, once it gave one." }),
    refusal: z
      .enum(['permanent', 'transient'])
      .nullable()
      .meta({ description: 'For a rejected recipient: `permanent` (5xx, never retried) or `transient` (4xx, retried when the email is re-armed).' }),
    suppressed: z.boolean().meta({
      description: "On the tenant's suppression list: skipped at the claim (status `suppressed`), or, in a create's answer, as written.",
    }),
  })
  .meta({ id: 'Recipient' });

/**
 * What clients see of an email: ids as strings, camelCase, no tenant or internal bookkeeping. The API's
 * answers are typed by this schema and its OpenAPI document is generated from it: a field added to the view
 * and not here (or the reverse) fails the typecheck.
 */
export const emailViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'Decimal, as a string.', examples: ['123'] }),
    object: z.literal('email'),
    status: z.enum(['scheduled', 'sending', 'sent', 'failed', 'canceled']),
    sendAt: isoDateTime('When it is due.'),
    expiresAfter: z.number().int().nullable().meta({ description: 'Seconds after sendAt past which it is not sent but failed (reason `expired`).' }),
    from: z.string(),
    replyTo: z.array(z.string()),
    subject: z.string(),
    text: z.string().nullable(),
    html: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.unknown()).meta({ description: 'As stored; never sent.' }),
    recipients: z.array(recipientViewSchema),
    version: z.number().int().meta({ description: 'Bumped by every edit.' }),
    attempts: z.number().int(),
    messageId: z.string().nullable().meta({ description: 'The Message-ID every send of this email carries.' }),
    failureReason: z.string().nullable(),
    lastError: z.string().nullable(),
    sentAt: isoDateTime('When the relay accepted it.').nullable(),
    canceledAt: isoDateTime('When it was canceled.').nullable(),
    createdAt: isoDateTime('When it was created.'),
    updatedAt: isoDateTime('When it last changed.'),
  })
  .meta({ id: 'Email' });

export type EmailView = z.output<typeof emailViewSchema>;

/** `suppressedAtCreate`: addresses a create found on the suppression list (its answer says so). */
export function toEmailView(email: EmailWithRecipients, suppressedAtCreate: string[] = []): EmailView {
  const onList = new Set(suppressedAtCreate.map((a) => a.toLowerCase()));
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
      // The guard narrows the status: a status the schema does not list fails the typecheck here.
      .filter((r): r is Recipient & { status: Exclude<Recipient['status'], 'removed'> } => r.status !== 'removed')
      .map((r) => ({
        address: r.address,
        name: r.name,
        kind: r.kind,
        status: r.status,
        smtpResponse: r.smtpResponse,
        refusal: r.refusal,
        suppressed: r.status === 'suppressed' || onList.has(r.address.toLowerCase()),
      })),
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
