import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret: `whsec_` and the base64 of at least 24 random bytes. */
export const WEBHOOK_SECRET_FORMAT = /^whsec_(?:[A-Za-z0-9+/]{4}){8,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The headers of one signed request. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Signs requests the Standard Webhooks way (HMAC-SHA256 of `id.timestamp.body`), with its reference library. */
export class WebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    if (!WEBHOOK_SECRET_FORMAT.test(secret)) throw new Error('WEBHOOK_SECRET must be whsec_ followed by base64 of at least 24 random bytes');
    this.webhook = new Webhook(secret);
  }

  /** The timestamp is the attempt's: a receiver refuses stale ones, and a retry is signed anew. */
  headers(id: string, body: string, at = new Date()): WebhookHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(id, at, body),
    };
  }
}
