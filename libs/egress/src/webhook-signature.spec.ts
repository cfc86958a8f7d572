// Webhook signatures as a receiver checks them: the HMAC over `<t>.<raw body>`, one v1 per
// active secret, old timestamps and altered bodies refused.
import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const body = '{"type":"message.inbound","eventId":"e1","body":"hi"}';
const now = 1_733_900_000_000;
const t = Math.floor(now / 1000);

it('is HMAC-SHA256 over the timestamp, a dot and the raw body, in hex', () => {
  const expected = createHmac('sha256', 'whsec_a').update(`${t}.${body}`).digest('hex');
  expect(signWebhook(['whsec_a'], t, body)).toBe(`t=${t},v1=${expected}`);
});

it('carries one v1 per secret during a rotation, and each verifies', () => {
  const header = signWebhook(['whsec_new', 'whsec_old'], t, body);
  expect(header.split(',').filter((f) => f.startsWith('v1='))).toHaveLength(2);
  expect(verifyWebhookSignature(header, body, 'whsec_new', { now })).toBe(true);
  expect(verifyWebhookSignature(header, body, 'whsec_old', { now })).toBe(true);
  expect(verifyWebhookSignature(header, body, 'whsec_other', { now })).toBe(false);
});

it('refuses an altered body, an old or missing timestamp, and garbage', () => {
  const header = signWebhook(['whsec_a'], t, body);
  expect(verifyWebhookSignature(header, body.replace('hi', 'ho'), 'whsec_a', { now })).toBe(false);
  expect(verifyWebhookSignature(header, body, 'whsec_a', { now: now + 301_000 })).toBe(false);
  expect(verifyWebhookSignature(header.replace(/^t=\d+,/, ''), body, 'whsec_a', { now })).toBe(false);
  expect(verifyWebhookSignature('nonsense', body, 'whsec_a', { now })).toBe(false);
  expect(verifyWebhookSignature(`t=${t},v1=zz`, body, 'whsec_a', { now })).toBe(false);
});
