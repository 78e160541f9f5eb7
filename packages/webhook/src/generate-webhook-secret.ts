import { randomBytes } from 'node:crypto';

/**
 * A new signing secret in the Standard Webhooks form, `whsec_` + base64 of 24 random bytes: what the
 * `standardwebhooks` libraries on the receiver's side accept as they are.
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
