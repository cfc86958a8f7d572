// The HTTP connector's receipt webhook: only a carrier with the token is heard, and a receipt
// is acknowledged (200) only once its handler resolved.
import { HttpConnector } from './http.connector';

const connector = () => new HttpConnector({ carrierId: 'gamma', url: 'http://127.0.0.1:9/http/gamma', token: 'secret-token', callbackUrl: 'http://127.0.0.1:9/cb' });
const receipt = { messageId: 'abc', status: 'delivered', errorCode: '000' };

it('answers 200 after the handler stored the receipt, mapped to SMPP states', async () => {
  const c = connector();
  const seen: unknown[] = [];
  c.onReceipt(async (r) => {
    seen.push(r);
  });
  expect(await c.handleWebhook('Bearer secret-token', receipt)).toBe(200);
  expect(await c.handleWebhook('Bearer secret-token', { messageId: 'def', status: 'undelivered', errorCode: '001' })).toBe(200);
  expect(seen).toEqual([
    expect.objectContaining({ carrierId: 'gamma', carrierMessageId: 'abc', state: 'DELIVRD', errorCode: '000' }),
    expect.objectContaining({ carrierMessageId: 'def', state: 'UNDELIV', errorCode: '001' }),
  ]);
});

it('refuses a wrong or missing token (401) and a malformed receipt (400)', async () => {
  const c = connector();
  c.onReceipt(async () => undefined);
  expect(await c.handleWebhook('Bearer nope', receipt)).toBe(401);
  expect(await c.handleWebhook(undefined, receipt)).toBe(401);
  expect(await c.handleWebhook('Bearer secret-token', { messageId: 'abc', status: 'teleported' })).toBe(400);
  expect(await c.handleWebhook('Bearer secret-token', { status: 'delivered' })).toBe(400);
});

it('answers 503 so the carrier re-sends when the receipt could not be stored', async () => {
  const c = connector();
  c.onReceipt(async () => {
    throw new Error('database down');
  });
  expect(await c.handleWebhook('Bearer secret-token', receipt)).toBe(503);
});

it('reports an unreachable carrier as an unavailable submit', async () => {
  const c = connector();
  c.start();
  await expect(c.submit({ messageId: 'm', from: 'Acme', to: '+14155552671', body: 'x', registeredDelivery: true })).rejects.toMatchObject({
    error: { code: 'carrier_unavailable', class: 'retry_same_carrier' },
  });
  expect(c.status()).toMatchObject({ state: 'connecting', lastError: expect.stringContaining('unreachable') });
});

describe('inbound (MO) webhook', () => {
  const mo = { moId: 'mo-1', from: '+447400123456', to: '+14155550100', text: 'Hi there' };

  it('hands the MO with the carrier MO id to the handler and answers 200 once it resolved', async () => {
    const c = connector();
    const seen: unknown[] = [];
    c.onInbound(async (m) => void seen.push(m));
    expect(await c.handleInboundWebhook('Bearer secret-token', mo)).toBe(200);
    expect(seen).toEqual([{ carrierId: 'gamma', carrierMoId: 'mo-1', from: '+447400123456', to: '+14155550100', body: 'Hi there' }]);
  });

  it('refuses a wrong token (401), a malformed MO (400), and answers 503 when it could not be stored', async () => {
    const c = connector();
    c.onInbound(async () => {
      throw new Error('database down');
    });
    expect(await c.handleInboundWebhook('Bearer nope', mo)).toBe(401);
    expect(await c.handleInboundWebhook('Bearer secret-token', { ...mo, moId: undefined })).toBe(400);
    expect(await c.handleInboundWebhook('Bearer secret-token', { ...mo, text: 'a\u0000b' })).toBe(400);
    expect(await c.handleInboundWebhook('Bearer secret-token', mo)).toBe(503);
  });
});
