// /v1/numbers (operator) through the real Nest app against the integration run's PostgreSQL
// and Temporal.
import { randomInt, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountRepository, LOOPBACK_ONLY } from '@app/db';
import { DATA_SOURCE } from '../tokens';
import { startApiApp } from '../../../../test/support/api-app';

type NumberView = { number: string; accountId: string; kind: string; country: string | null; carrierId: string | null; capabilities: string[]; createdAt: string };
type Answer<T = unknown> = { status: number; body: T };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let app: INestApplication;
let db: DataSource;
let baseUrl: string;
let operatorKey: string;
let messagesKey: string;
let customerId: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  db = app.get<DataSource>(DATA_SOURCE);
  const accounts = app.get(AccountRepository);
  operatorKey = (await accounts.createWithKey(`numbers-operator-${randomUUID()}`, 'ops', ['messages', 'operator'], { allowedIps: LOOPBACK_ONLY })).apiKey;
  const customer = await accounts.createWithKey(`numbers-customer-${randomUUID()}`);
  customerId = customer.accountId;
  messagesKey = customer.apiKey;
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, path: string, body?: unknown, key: string = operatorKey): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Numbers +44 7400 9xxxxx: valid UK mobiles no other suite assigns (the SMPP gateway e2e uses 7400 1xxxxx). */
let nextNumber = 100 + randomInt(89_000);

/** A fresh number, as a person writes it and in E.164. */
function ukMobile(): { written: string; e164: string } {
  const rest = `9${String((nextNumber += 1)).padStart(5, '0')}`;
  return { written: `+44 (0)7400 ${rest.slice(0, 3)} ${rest.slice(3)}`, e164: `+447400${rest}` };
}

async function owner(number: string): Promise<string | undefined> {
  const rows: { account_id: string }[] = await db.query('SELECT account_id FROM account_numbers WHERE number = $1', [number]);
  return rows[0]?.account_id;
}

it('requires the operator scope', async () => {
  const { e164 } = ukMobile();
  for (const [method, path, body] of [
    ['POST', '/v1/numbers', { number: e164, accountId: customerId }],
    ['GET', '/v1/numbers', undefined],
    ['DELETE', `/v1/numbers/${encodeURIComponent(e164)}`, undefined],
  ] as const) {
    const res = await call<ErrorAnswer>(method, path, body, messagesKey);
    expect(res).toEqual({ status: 403, body: { error: { code: 'insufficient_scope', message: expect.any(String) } } });
  }
  expect(await owner(e164)).toBeUndefined();
});

it('assigns a number in E.164, lists it, refuses it twice, and releases it', async () => {
  const { written, e164 } = ukMobile();
  const created = await call<NumberView>('POST', '/v1/numbers', { number: written, accountId: customerId });
  expect(created).toEqual({
    status: 201,
    body: { number: e164, accountId: customerId, kind: 'long_code', country: 'GB', carrierId: null, capabilities: ['sms', 'inbound'], createdAt: expect.any(String) },
  });
  expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);
  expect(await owner(e164)).toBe(customerId);

  const list = await call<NumberView[]>('GET', '/v1/numbers');
  expect(list.status).toBe(200);
  expect(list.body).toContainEqual(created.body);

  // The same number, written either way, is taken: even for the same account.
  for (const number of [e164, written]) {
    const again = await call<ErrorAnswer>('POST', '/v1/numbers', { number, accountId: customerId });
    expect(again).toEqual({ status: 409, body: { error: { code: 'number_taken', message: expect.any(String), field: 'number' } } });
  }

  expect(await call('DELETE', `/v1/numbers/${encodeURIComponent(e164)}`)).toEqual({ status: 204, body: undefined });
  expect(await owner(e164)).toBeUndefined();
  const gone = await call<ErrorAnswer>('DELETE', `/v1/numbers/${encodeURIComponent(e164)}`);
  expect(gone).toEqual({ status: 404, body: { error: { code: 'number_not_found', message: expect.any(String) } } });
  expect((await call<NumberView[]>('GET', '/v1/numbers')).body.map((n) => n.number)).not.toContain(e164);
});

it('releases a number given with a literal + in the path too', async () => {
  const { e164 } = ukMobile();
  expect((await call('POST', '/v1/numbers', { number: e164, accountId: customerId })).status).toBe(201);
  expect((await call('DELETE', `/v1/numbers/${e164}`)).status).toBe(204);
  expect(await owner(e164)).toBeUndefined();
});

it('answers 400 naming accountId for an account that does not exist', async () => {
  const { e164 } = ukMobile();
  const res = await call<ErrorAnswer>('POST', '/v1/numbers', { number: e164, accountId: randomUUID() });
  expect(res).toEqual({ status: 400, body: { error: { code: 'unknown_account', message: expect.any(String), field: 'accountId' } } });
  expect(await owner(e164)).toBeUndefined();
});

/** Stands for the customer's account id, which exists only once beforeAll has run. */
const CUSTOMER = 'CUSTOMER';

it.each([
  [{ number: '07400 900001', accountId: CUSTOMER }, 'number', 'invalid_phone_number'],
  [{ number: '+1415', accountId: CUSTOMER }, 'number', 'invalid_phone_number'],
  [{ number: 447400900001, accountId: CUSTOMER }, 'number', 'invalid_field'],
  [{ number: '+447400900001', accountId: 'not-a-uuid' }, 'accountId', 'invalid_field'],
  [{ number: '+447400900001' }, 'accountId', 'invalid_field'],
  [{ number: '+447400900001', accountId: CUSTOMER, owner: 'alpha' }, 'owner', 'unknown_field'],
  [{ number: '+447400900001', accountId: CUSTOMER, carrierId: 'no-such-carrier' }, 'carrierId', 'unknown_carrier'],
  [{ number: '+447400900001', accountId: CUSTOMER, capabilities: ['sms', 'fax'] }, 'capabilities', 'invalid_field'],
  [{ number: '+447400900001', accountId: CUSTOMER, country: 'US' }, 'country', 'invalid_field'],
  [{ number: '55555', accountId: CUSTOMER }, 'country', 'invalid_field'],
])('refuses %j naming %s', async (body, field, code) => {
  const filled = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === CUSTOMER ? customerId : v]));
  const res = await call<ErrorAnswer>('POST', '/v1/numbers', filled);
  expect(res).toEqual({ status: 400, body: { error: { code, message: expect.any(String), field } } });
  expect(await owner('+447400900001')).toBeUndefined();
});

it('answers 404 for a number never assigned, written any way', async () => {
  expect((await call('DELETE', `/v1/numbers/${encodeURIComponent('+15005550000')}`)).status).toBe(404);
  expect((await call('DELETE', '/v1/numbers/not-a-number')).status).toBe(404);
});

it('holds a short code with its country, and changes capabilities and carrier', async () => {
  const code = String(randomInt(100_000, 99_999_999));
  const created = await call<NumberView>('POST', '/v1/numbers', { number: code, accountId: customerId, country: 'US', capabilities: ['sms'] });
  expect(created).toMatchObject({ status: 201, body: { number: code, kind: 'short_code', country: 'US', capabilities: ['sms'] } });
  const changed = await call<NumberView>('PATCH', `/v1/numbers/${code}`, { capabilities: ['inbound'] });
  expect(changed).toMatchObject({ status: 200, body: { number: code, capabilities: ['inbound'], carrierId: null } });
  expect((await call<ErrorAnswer>('PATCH', `/v1/numbers/${code}`, { carrierId: 'no-such-carrier' })).body).toMatchObject({ error: { code: 'unknown_carrier', field: 'carrierId' } });
  expect((await call('PATCH', '/v1/numbers/%2B15005550000', { capabilities: ['sms'] })).status).toBe(404);
  expect((await call('DELETE', `/v1/numbers/${code}`)).status).toBe(204);
});
