// Standard Webhooks signing through the reference library, so what we send is exactly what receivers'
// `standardwebhooks` verify: HMAC-SHA256 over `id.timestamp.body`, one `v1,<base64>` per secret.
import { Webhook } from 'standardwebhooks';
import type { WebhookMessage } from './webhook-sender';

export class SigningSecretError extends Error {
  override name = 'SigningSecretError';
}

/** The three Standard Webhooks headers for one attempt. Throws SigningSecretError, which never quotes a secret. */
export function signatureHeaders(message: Pick<WebhookMessage, 'id' | 'timestamp' | 'body' | 'secrets'>): Record<string, string> {
  if (message.secrets.length === 0) throw new SigningSecretError('no signing secret');
  // During a rotation the receiver may hold either secret: one signature each, space-separated, and the
  // receiver accepts the message if any one of them verifies.
  const signatures = message.secrets.map((secret, index) => {
    try {
      return new Webhook(secret).sign(message.id, message.timestamp, message.body);
    } catch {
      throw new SigningSecretError(`signing secret #${index + 1} is not a whsec_<base64> secret`);
    }
  });
  return {
    'webhook-id': message.id,
    // The same flooring standardwebhooks signs with, so header and signature always agree.
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
