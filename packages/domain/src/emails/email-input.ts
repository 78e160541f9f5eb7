import { z } from 'zod';
import { formatAddress, parseAddress } from './parse-address';
import { depthExceeds, isStorableJson, isStorableText } from './storable-text';

export interface EmailLimits {
  maxRecipients: number;
  maxScheduleDays: number;
}

export const defaultEmailLimits: EmailLimits = { maxRecipients: 100, maxScheduleDays: 365 };

const CRLF = /[\r\n]/;
// Headers a client may set. Everything that routes, identifies or structures the message is ours.
const ALLOWED_HEADERS = /^(X-[A-Za-z0-9-]{1,64}|List-Unsubscribe|List-Unsubscribe-Post|List-Id|In-Reply-To|References|Precedence|Auto-Submitted)$/i;
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/;

/** Date.parse rolls 2027-02-31 over into March; a date-time must name a real calendar instant. */
function isRealDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, , second, , , offsetHours, offsetMinutes] = match.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour! <= 23 && minute! <= 59 && second! <= 59 &&
    offsetHours! <= 14 && offsetMinutes! <= 59
  );
}
export const MAX_METADATA_BYTES = 8192;
const MAX_METADATA_DEPTH = 4;

const addressField = z.string().max(512).transform((raw, ctx) => {
  const parsed = parseAddress(raw);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: `invalid address: ${parsed.error}` });
    return z.NEVER;
  }
  return parsed;
});

const storableText = (what: string) => z.string().refine(isStorableText, `${what} contains a NUL character or an unpaired surrogate`);

const headerLine = (what: string, max: number) =>
  storableText(what)
    .max(max)
    .refine((v) => !CRLF.test(v), `${what} may not contain CR or LF`);

export const metadataSchema = z
  .record(z.string().max(128), z.unknown())
  // One check in order: the depth test is iterative, and only a shallow value is serialised afterwards
  // (JSON.stringify of a very deep value would overflow the stack).
  .superRefine((m, ctx) => {
    if (depthExceeds(m, MAX_METADATA_DEPTH)) {
      ctx.addIssue({ code: 'custom', message: `metadata may nest at most ${MAX_METADATA_DEPTH} levels` });
    } else if (Buffer.byteLength(JSON.stringify(m)) > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: 'custom', message: `metadata may be at most ${MAX_METADATA_BYTES} bytes of JSON` });
    } else if (!isStorableJson(m)) {
      ctx.addIssue({ code: 'custom', message: 'metadata contains a NUL character or an unpaired surrogate' });
    }
  });

export const headersSchema = z
  .record(z.string(), headerLine('header value', 998))
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      if (!ALLOWED_HEADERS.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} may not be set (allowed: X-*, List-Unsubscribe, List-Id, In-Reply-To, References, Precedence, Auto-Submitted)` });
      }
    }
    if (Object.keys(headers).length > 50) ctx.addIssue({ code: 'custom', message: 'at most 50 headers' });
  });

export function sendAtSchema(limits: EmailLimits) {
  return z
    .string()
    .regex(ISO_WITH_OFFSET, 'sendAt must be an ISO 8601 date-time with an offset, e.g. 2030-01-01T09:00:00Z')
    .transform((v, ctx) => {
      const date = new Date(v);
      if (Number.isNaN(date.getTime()) || !isRealDateTime(ISO_WITH_OFFSET.exec(v)!)) {
        ctx.addIssue({ code: 'custom', message: 'sendAt is not a real date' });
        return z.NEVER;
      }
      if (date.getTime() > Date.now() + limits.maxScheduleDays * 86_400_000) {
        ctx.addIssue({ code: 'custom', message: `sendAt may be at most ${limits.maxScheduleDays} days ahead` });
        return z.NEVER;
      }
      return date;
    });
}

/** An Idempotency-Key: the header of POST /v1/emails, and a batch item's idempotencyKey. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be 1–255 printable ASCII characters without spaces')
  .optional()
  .meta({ description: 'Per tenant. The same key with the same body answers the stored email again; with another body, 422.' });

function createEmailShape(limits: EmailLimits) {
  return {
    from: addressField.meta({ description: '`addr@domain` or `Name <addr@domain>`.' }),
    to: z
      .array(addressField)
      .min(1, 'to needs at least one address')
      .meta({ description: `At least one. to, cc and bcc together: at most ${limits.maxRecipients}; an address listed twice is one recipient.` }),
    cc: z.array(addressField).default([]),
    bcc: z.array(addressField).default([]),
    replyTo: z.union([addressField.transform((a) => [a]), z.array(addressField).max(10)]).default([]).meta({ description: 'One address or a list of up to 10.' }),
    subject: headerLine('subject', 998).default(''),
    text: storableText('text').optional().meta({ description: 'Give text, html or both.' }),
    html: storableText('html').optional().meta({ description: 'Give text, html or both.' }),
    headers: headersSchema.default({}).meta({
      description: 'Only X-*, List-Unsubscribe, List-Unsubscribe-Post, List-Id, In-Reply-To, References, Precedence, Auto-Submitted; at most 50.',
    }),
    sendAt: sendAtSchema(limits)
      .optional()
      .meta({ description: `ISO 8601 with an offset; absent, now or past: as soon as possible; at most ${limits.maxScheduleDays} days ahead.` }),
    expiresAfter: z
      .number()
      .int()
      .positive()
      .max(31_536_000)
      .optional()
      .meta({ description: 'Seconds: an email found later than this after sendAt is not sent but failed (reason `expired`).' }),
    metadata: metadataSchema.default({}).meta({ description: 'A JSON object, at most 4 levels deep and 8 KiB; never sent, returned as stored.' }),
  };
}

type ParsedCreate = z.output<z.ZodObject<ReturnType<typeof createEmailShape>>>;

/** The rules across fields, and addresses formatted back to text, for a create and a batch item alike. */
function withCreateRules<T extends ParsedCreate, I>(schema: z.ZodType<T, I>, limits: EmailLimits) {
  return schema
    .superRefine((input, ctx) => {
      if (input.text === undefined && input.html === undefined) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'give text, html or both' });
      }
      const count = input.to.length + input.cc.length + input.bcc.length;
      if (count > limits.maxRecipients) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${limits.maxRecipients} recipients in all (got ${count})` });
      }
    })
    .transform((input) => ({
      ...input,
      from: formatAddress(input.from),
      replyTo: input.replyTo.map(formatAddress),
    }));
}

/** The body of POST /v1/emails. Unknown fields are errors, not ignored. */
export function createEmailInputSchema(limits: EmailLimits = defaultEmailLimits) {
  return withCreateRules(z.strictObject(createEmailShape(limits)), limits);
}

/** One email of POST /v1/emails/batch: a create's body and, in place of the header, its idempotencyKey. */
export function batchEmailInputSchema(limits: EmailLimits = defaultEmailLimits) {
  return withCreateRules(z.strictObject({ idempotencyKey: idempotencyKeySchema, ...createEmailShape(limits) }), limits);
}

export type CreateEmailInput = z.output<ReturnType<typeof createEmailInputSchema>>;

/**
 * The body of PATCH /v1/emails/:id. Every field optional; `null` clears text, html or expiresAfter;
 * a metadata key set to null is deleted. Each of to/cc/bcc given replaces that list.
 */
export function updateEmailInputSchema(limits: EmailLimits = defaultEmailLimits) {
  return z
    .strictObject({
      from: addressField.optional(),
      to: z.array(addressField).min(1, 'to needs at least one address').optional(),
      cc: z.array(addressField).optional(),
      bcc: z.array(addressField).optional(),
      replyTo: z.union([addressField.transform((a) => [a]), z.array(addressField).max(10)]).optional(),
      subject: headerLine('subject', 998).optional(),
      text: storableText('text').nullable().optional(),
      html: storableText('html').nullable().optional(),
      headers: headersSchema.optional(),
      sendAt: sendAtSchema(limits).optional(),
      expiresAfter: z.number().int().positive().max(31_536_000).nullable().optional(),
      metadata: metadataSchema.optional(),
    })
    .refine((patch) => Object.keys(patch).length > 0, 'give at least one field to change')
    .superRefine((patch, ctx) => {
      const count = (patch.to?.length ?? 0) + (patch.cc?.length ?? 0) + (patch.bcc?.length ?? 0);
      if (count > limits.maxRecipients) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${limits.maxRecipients} recipients in all (got ${count})` });
      }
    })
    .transform((patch) => ({
      ...patch,
      from: patch.from && formatAddress(patch.from),
      replyTo: patch.replyTo?.map(formatAddress),
    }));
}

export type UpdateEmailInput = z.output<ReturnType<typeof updateEmailInputSchema>>;
