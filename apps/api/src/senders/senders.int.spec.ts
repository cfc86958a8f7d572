// Numbers and sender IDs through the real Nest app against the integration run's PostgreSQL:
// the operator's grants and registration decisions, what an account lists, sender pools, and
// POST /v1/messages refusing a `from` the account may not use (and taking a grant at once).
import { randomInt, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountRepository, LOOPBACK_ONLY, SenderRepository } from '@app/db';
import { DATA_SOURCE } from '../tokens';
import { startApiApp } from '../../../../test/support/api-app';

type Answer<T = unknown> = { status: number; body: T };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };
type SenderIdView = { accountId: string; senderId: string; registrations: { country: string; status: string; note: string | null }[] };
type PoolView = { name: string; numbers: string[]; createdAt: string };
type HeldView = { numbers: { number: string; kind: string }[]; senderIds: SenderIdView[]; pools: PoolView[]; registrationCountries: string[] };

let app: INestApplication;
let db: DataSource;
let baseUrl: string;
let operatorKey: string;
let tenantKey: string;
let tenantId: string;
let otherKey: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  db = app.get<DataSource>(DATA_SOURCE);
  const accounts = app.get(AccountRepository);
  operatorKey = (await accounts.createWithKey(`senders-operator-${randomUUID()}`, 'ops', ['messages', 'operator'], { allowedIps: LOOPBACK_ONLY })).apiKey;
  ({ apiKey: tenantKey, accountId: tenantId } = await accounts.createWithKey(`senders-tenant-${randomUUID()}`));
  otherKey = (await accounts.createWithKey(`senders-other-${randomUUID()}`)).apiKey;
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

/** Valid US numbers no other suite holds: +1 415 3xx xxxx. */
const usNumber = () => `+1415${randomInt(300, 999)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
const send = (body: Record<string, unknown>, key = tenantKey) => call<{ id: string } & ErrorAnswer>('POST', '/v1/messages', { to: '+14155552671', body: 'hello', ...body }, key);

it('refuses a sender ID the account does not hold (403 naming from), and takes it once an operator grants it', async () => {
  const senderId = `Co${randomInt(1_000_000, 9_999_999)}`;
  expect(await send({ from: senderId })).toEqual({ status: 403, body: { error: { code: 'sender_not_held', message: expect.any(String), field: 'from' } } });
  const granted = await call<SenderIdView>('POST', `/v1/accounts/${tenantId}/sender-ids`, { senderId });
  expect(granted).toMatchObject({ status: 201, body: { accountId: tenantId, senderId, registrations: [] } });
  // A grant applies at once (the refusal re-reads what the account holds), in any case.
  expect((await send({ from: senderId.toUpperCase() })).status).toBe(202);
  // Another account still may not.
  expect((await send({ from: senderId }, otherKey)).body.error.code).toBe('sender_not_held');
  // Revoked: refused again (the notification reaches the cache within moments).
  expect((await call('DELETE', `/v1/accounts/${tenantId}/sender-ids/${senderId}`)).status).toBe(204);
  const deadline = Date.now() + 5_000;
  let after = await send({ from: senderId });
  while (after.status === 202 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    after = await send({ from: senderId });
  }
  expect(after.body.error.code).toBe('sender_not_held');
});

it('needs an approved registration to send an alphanumeric sender ID to Croatia', async () => {
  const senderId = `Hr${randomInt(1_000_000, 9_999_999)}`;
  await call('POST', `/v1/accounts/${tenantId}/sender-ids`, { senderId });
  const toCroatia = { to: '+385911234567', from: senderId };
  expect((await send(toCroatia)).body).toEqual({ error: { code: 'sender_not_registered', message: expect.stringContaining('HR'), field: 'from' } });
  // The tenant asks; an operator's decision is not overwritten by asking again.
  const asked = await call<SenderIdView>('POST', `/v1/senders/sender-ids/${senderId}/registrations`, { country: 'HR' }, tenantKey);
  expect(asked).toMatchObject({ status: 201, body: { registrations: [{ country: 'HR', status: 'pending', note: null }] } });
  expect((await send(toCroatia)).body.error.code).toBe('sender_not_registered');
  const approved = await call<SenderIdView>('PUT', `/v1/accounts/${tenantId}/sender-ids/${senderId}/registrations/HR`, { status: 'approved', note: 'HAKOM 1' });
  expect(approved).toMatchObject({ status: 200, body: { registrations: [{ country: 'HR', status: 'approved', note: 'HAKOM 1' }] } });
  expect((await call<SenderIdView>('POST', `/v1/senders/sender-ids/${senderId}/registrations`, { country: 'HR' }, tenantKey)).body.registrations[0].status).toBe('approved');
  expect((await send(toCroatia)).status).toBe(202);
  // Where no registration is required the sender ID goes as held.
  expect((await send({ to: '+447400123456', from: senderId })).status).toBe(202);
});

it('lets an account send from its numbers with the sms capability', async () => {
  const [sms, inboundOnly] = [usNumber(), usNumber()];
  expect((await send({ from: sms })).body.error.code).toBe('sender_not_held');
  expect((await call('POST', '/v1/numbers', { number: sms, accountId: tenantId })).status).toBe(201);
  expect((await call('POST', '/v1/numbers', { number: inboundOnly, accountId: tenantId, capabilities: ['inbound'] })).status).toBe(201);
  expect((await send({ from: sms })).status).toBe(202);
  expect((await send({ from: inboundOnly })).body.error).toMatchObject({ code: 'sender_not_capable', field: 'from' });
});

it('lists what the account holds', async () => {
  const held = await call<HeldView>('GET', '/v1/senders', undefined, tenantKey);
  expect(held.status).toBe(200);
  expect(held.body.registrationCountries).toContain('HR');
  expect(held.body.numbers.length).toBeGreaterThanOrEqual(2);
  expect(held.body.senderIds.every((s) => s.accountId === tenantId)).toBe(true);
  expect((await call<HeldView>('GET', '/v1/senders', undefined, otherKey)).body).toMatchObject({ numbers: [], senderIds: [], pools: [] });
});

it('makes sender pools of held numbers only, and a subscriber keeps one number across 20 messages', async () => {
  const numbers = [usNumber(), usNumber(), usNumber()];
  for (const number of numbers) expect((await call('POST', '/v1/numbers', { number, accountId: tenantId })).status).toBe(201);
  const name = `pool-${randomInt(1_000_000)}`;
  const notHeld = await call<ErrorAnswer>('POST', '/v1/sender-pools', { name, numbers: [...numbers, '+14155550999'] }, tenantKey);
  expect(notHeld).toEqual({ status: 400, body: { error: { code: 'sender_not_held', message: expect.any(String), field: 'numbers[3]' } } });
  const created = await call<PoolView>('POST', '/v1/sender-pools', { name, numbers }, tenantKey);
  expect(created).toMatchObject({ status: 201, body: { name, numbers: [...numbers].sort() } });
  expect((await call<ErrorAnswer>('POST', '/v1/sender-pools', { name, numbers }, tenantKey)).status).toBe(409);
  expect((await call<PoolView[]>('GET', '/v1/sender-pools', undefined, tenantKey)).body.map((p) => p.name)).toContain(name);
  expect((await call('GET', `/v1/sender-pools/${name}`, undefined, otherKey)).status).toBe(404);

  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => send({ senderPool: name, body: `pool ${i}` }).then((r) => r.body.id)));
  const froms: { from_address: string }[] = await db.query(`SELECT DISTINCT from_address FROM messages WHERE id = ANY($1)`, [ids]);
  expect(froms).toHaveLength(1);
  expect(numbers).toContain(froms[0].from_address);
  expect((await send({ senderPool: 'no-such-pool' })).body.error).toMatchObject({ code: 'unknown_sender_pool', field: 'senderPool' });
  expect((await send({ senderPool: name, from: numbers[0] })).status).toBe(400);
  expect((await call('DELETE', `/v1/sender-pools/${name}`, undefined, tenantKey)).status).toBe(204);
  expect((await call('DELETE', `/v1/sender-pools/${name}`, undefined, tenantKey)).status).toBe(404);
});

it('keeps one number for a subscriber when its first messages race (the assignment is one statement)', async () => {
  const repo = new SenderRepository(db);
  const numbers = [usNumber(), usNumber()];
  for (const number of numbers) expect((await call('POST', '/v1/numbers', { number, accountId: tenantId })).status).toBe(201);
  const pool = await repo.createPool(tenantId, `race-${randomInt(1_000_000)}`, numbers);
  if ('refused' in pool) throw new Error('pool refused');
  const got = (await Promise.all(Array.from({ length: 20 }, (_, i) => repo.stickyNumber(pool.id, '+14155552671', numbers[i % 2])))) as string[];
  expect(new Set(got).size).toBe(1);
  // Its number leaves the pool: the subscriber gets another, and keeps that one.
  await db.query(`DELETE FROM sender_pool_numbers WHERE pool_id = $1 AND number = $2`, [pool.id, got[0]]);
  const other = numbers.find((n) => n !== got[0])!;
  expect(await repo.stickyNumber(pool.id, '+14155552671', other)).toBe(other);
  expect(await repo.stickyNumber(pool.id, '+14155552671', got[0])).toBe(other);
});

it('keeps the operator endpoints to operators and answers unknown accounts with 404', async () => {
  expect((await call<ErrorAnswer>('POST', `/v1/accounts/${tenantId}/sender-ids`, { senderId: 'Sneaky' }, tenantKey)).status).toBe(403);
  expect((await call<ErrorAnswer>('POST', `/v1/accounts/${randomUUID()}/sender-ids`, { senderId: 'Acme' })).body.error.code).toBe('account_not_found');
  expect((await call<ErrorAnswer>('POST', '/v1/accounts/not-a-uuid/sender-ids', { senderId: 'Acme' })).status).toBe(404);
  expect((await call<ErrorAnswer>('POST', `/v1/accounts/${tenantId}/sender-ids`, { senderId: '12345' })).body.error).toMatchObject({ code: 'invalid_sender', field: 'senderId' });
  expect((await call<ErrorAnswer>('PUT', `/v1/accounts/${tenantId}/sender-ids/Nope/registrations/HR`, { status: 'approved' })).status).toBe(404);
  expect((await call<ErrorAnswer>('PUT', `/v1/accounts/${tenantId}/sender-ids/Nope/registrations/XX`, { status: 'approved' })).body.error.field).toBe('country');
  expect((await call<ErrorAnswer>('PUT', `/v1/accounts/${tenantId}/sender-ids/Nope/registrations/HR`, { status: 'maybe' })).body.error.field).toBe('status');
});
