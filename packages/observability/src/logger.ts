import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Credentials and message content are redacted wherever they might be attached,
 * so a log line can be shipped anywhere without leaking a key or an email body.
 */
export function createLogger(options: { level: string; service: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'apiKey',
        'password',
        '*.password',
        'text',
        'html',
        '*.text',
        '*.html',
      ],
      censor: '[redacted]',
    },
  });
}
