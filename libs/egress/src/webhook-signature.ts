// Webhook signatures: HMAC-SHA256 over `<unix timestamp>.<raw body>` with the account's secret,
// sent as `X-Signature: t=<unix>,v1=<hex>[,v1=<hex>]` (one v1 per active secret: during a
// rotation both sign). A receiver recomputes the HMAC with its secret over the timestamp and the
// body exactly as received, compares in constant time with any v1, and refuses old timestamps.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature';
export const EVENT_ID_HEADER = 'x-event-id';
export const EVENT_TYPE_HEADER = 'x-event-type';

export function signatureHex(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/** The X-Signature value for a body, signed with every given secret (newest first). */
export function signWebhook(secrets: readonly string[], timestamp: number, rawBody: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signatureHex(s, timestamp, rawBody)}`)].join(',');
}

/** True when one v1 of the header matches `secret` and its timestamp is within `toleranceSeconds` of `now`. */
export function verifyWebhookSignature(header: string, rawBody: string, secret: string, { toleranceSeconds = 300, now = Date.now() } = {}): boolean {
  const fields = header.split(',').map((f) => f.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(fields.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureHex(secret, t, rawBody), 'hex');
  return fields.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
