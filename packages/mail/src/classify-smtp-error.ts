import { MailSendError, type FailureKind, type RecipientRefusal } from './mail-transport';

interface NodemailerError {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: { recipient?: string; response?: string; responseCode?: number }[];
}

// The relay refusing *us* (authentication required / mechanism too weak / bad credentials / encryption
// required): a configuration fault to fix, not a verdict on the email. Retried, so fixing the relay's
// credentials delivers the backlog instead of every email failing for good in the meantime.
const RELAY_AUTH_CODES = new Set([530, 534, 535, 538]);

// A relay asking us to slow down: 421 (service closing the channel), 451 (local error) or 454 (temporary
// failure), or their enhanced forms 4.7.0/4.7.28 (rate limited) and 4.3.2, whose text names a rate or
// concurrency limit. A 4xx without such words (greylisting, a full mailbox) is an ordinary transient failure.
const THROTTLING_CODES = new Set([421, 451, 454]);
const THROTTLING_TEXT = /\b(rate|too (many|fast|much)|throttl\w*|limit(ed|s)?|concurren\w*|slow(ing)? down|4\.7\.28)\b/i;

/** True when an SMTP reply is the relay throttling the sender (see THROTTLING_CODES and THROTTLING_TEXT). */
export function isThrottling(responseCode: number | undefined, response: string): boolean {
  return responseCode !== undefined && THROTTLING_CODES.has(responseCode) && THROTTLING_TEXT.test(response);
}

/**
 * One refused recipient: permanent when the reply code (given, or leading the reply's text) is 5xx. A
 * refusal without any code is taken as temporary: nothing said it was final.
 */
export function refusal(address: string, response: string | undefined, responseCode: number | undefined): RecipientRefusal {
  const code = responseCode ?? Number(/^\s*([2-5]\d\d)\b/.exec(response ?? '')?.[1] ?? NaN);
  return { address, response: response ?? (Number.isFinite(code) ? String(code) : 'rejected'), permanent: code >= 500 && code < 600 };
}

/**
 * SMTP reply codes decide: 5xx is a permanent refusal, 4xx a temporary one, except the relay's
 * authentication refusals above. Errors with no reply code (connection refused, timeout, TLS failure)
 * never reached a verdict, so they are transient.
 */
export function classifySmtpError(error: unknown): MailSendError {
  const e = (error ?? {}) as NodemailerError;
  const codes = [e.responseCode, ...(e.rejectedErrors ?? []).map((r) => r.responseCode)].filter(
    (c): c is number => typeof c === 'number',
  );
  const responseCode = e.responseCode ?? codes[0];
  // Every recipient refused: permanent only if every refusal was permanent.
  const relayAuth = e.code === 'EAUTH' || (e.responseCode !== undefined && RELAY_AUTH_CODES.has(e.responseCode));
  const permanent = !relayAuth && codes.length > 0 && codes.every((c) => c >= 500);
  const kind: FailureKind = permanent ? 'permanent' : isThrottling(responseCode, e.response ?? e.message ?? '') ? 'throttled' : 'transient';
  const rejected = (e.rejectedErrors ?? []).map((r) => refusal(r.recipient ?? '', r.response, r.responseCode));
  const text = e.response ?? e.message ?? String(error);
  return new MailSendError(text.slice(0, 1000), kind, responseCode, rejected);
}
