import { createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { classifySmtpError, refusal } from './classify-smtp-error';
import { toMailOptions } from './mail-options';
import { OneChunkMessage } from './one-chunk-message';
import type { MailTransport, OutgoingMessage, SendResult } from './mail-transport';

export interface SmtpTransportOptions {
  url: string;
  poolSize: number;
  timeoutMs: number;
}

/** Pooled SMTP through nodemailer. Connections are reused across sends and opened lazily. */
export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const poolOptions: SMTPPool.Options & { url: string } = {
    url: options.url,
    pool: true,
    maxConnections: options.poolSize,
    maxMessages: 1000,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // Message content never names files or URLs for nodemailer to fetch: no SSRF, no local file reads.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter = createTransport(poolOptions);
  // Before DKIM signing and the SMTP connection's dot-stuffing: both then handle one chunk, not dozens.
  transporter.use('stream', (mail, done) => {
    mail.message.transform(() => new OneChunkMessage());
    done();
  });

  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      try {
        const info = await transporter.sendMail(toMailOptions(message));
        const rejectedErrors = (info as { rejectedErrors?: { recipient?: string; response?: string; responseCode?: number }[] })
          .rejectedErrors;
        return {
          accepted: info.accepted.map(String),
          rejected: info.rejected.map((address) => {
            const detail = rejectedErrors?.find((r) => r.recipient === String(address));
            return refusal(String(address), detail?.response, detail?.responseCode);
          }),
          response: info.response,
        };
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}
