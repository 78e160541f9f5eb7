import { MailSendError, type FailureKind } from './mail-transport';

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
  const kind: FailureKind = !relayAuth && codes.length > 0 && codes.every((c) => c >= 500) ? 'permanent' : 'transient';
  const rejected = (e.rejectedErrors ?? []).map((r) => ({
    address: r.recipient ?? '',
    response: r.response ?? r.responseCode?.toString() ?? 'rejected',
  }));
  const text = e.response ?? e.message ?? String(error);
  return new MailSendError(text.slice(0, 1000), kind, responseCode, rejected);
}
