// API keys through the API and the audit log, through the real Nest app against the run's
// PostgreSQL: create with scopes (never more than the caller's), expiry and allowed addresses;
// list without secrets; revoke (at once); rotate with an overlap; every change audited.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';

/** The fields the answers below are read by (keys, their lists, audit pages, errors). */
interface Body {
  id: string;
  key: string;
  prefix: string;
  status: string;
  expiresAt: string | null;
  replaced: { expiresAt: string };
  items: Array<{ id: string; status: string; action: string }>;
  nextCursor: string | null;
  error: { code: string; field?: string };
}
type Answer<T = Body> = { status: number; body: T };

let app: INestApplication;
let baseUrl: string;
let accounts: AccountRepository;
let admin: string;
let accountId: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  accounts = app.get(AccountRepository);
  ({ apiKey: admin, accountId } = await accounts.createWithKey(`keys-${randomUUID()}`, 'admin', ['messages', 'keys']));
  // The specs below make more than the default 50 requests a second.
  await accounts.updateLimits(accountId, { keyRequestsPerSecond: 1000, requestsPerSecond: 1000 });
});
afterAll(async () => {
  await app?.close();
});

async function call<T = Body>(method: string, route: string, body?: unknown, apiKey: string = admin): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

const settings = (key: string) => call('GET', '/v1/account/settings', undefined, key);

it('makes a key shown once, lists it by prefix without secrets, and it works', async () => {
  const created = await call('POST', '/v1/account/keys', { name: 'billing', scopes: ['messages'] });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ name: 'billing', scopes: ['messages'], status: 'active', allowedIps: [], expiresAt: null, revokedAt: null });
  expect(created.body.key).toMatch(/^sk_/);
  expect(created.body.key.startsWith(created.body.prefix)).toBe(true);
  expect((await settings(created.body.key)).status).toBe(200);
  const list = await call('GET', '/v1/account/keys');
  const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
  expect(listed).toMatchObject({ name: 'billing', prefix: created.body.prefix, status: 'active' });
  expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  // Its use is written within a few seconds (at most once a minute).
  for (let i = 0; i < 50 && !(await accounts.findKey(accountId, created.body.id))?.lastUsedAt; i += 1) await new Promise((r) => setTimeout(r, 100));
  expect((await accounts.findKey(accountId, created.body.id))?.lastUsedAt).toBeInstanceOf(Date);
});

it('refuses scopes the caller does not hold, past expiry, bad addresses, unknown fields', async () => {
  expect(await call('POST', '/v1/account/keys', { name: 'x', scopes: ['operator'] })).toMatchObject({ status: 403, body: { error: { code: 'scope_not_held', field: 'scopes' } } });
  expect(await call('POST', '/v1/account/keys', { name: 'x', scopes: ['messages'], expiresAt: '2001-01-01T00:00:00Z' })).toMatchObject({ status: 400, body: { error: { field: 'expiresAt' } } });
  expect(await call('POST', '/v1/account/keys', { name: 'x', scopes: ['messages'], allowedIps: ['300.1.1.1'] })).toMatchObject({ status: 400, body: { error: { field: 'allowedIps[0]' } } });
  expect(await call('POST', '/v1/account/keys', { name: 'x', scopes: ['nope'] })).toMatchObject({ status: 400 });
  expect(await call('POST', '/v1/account/keys', { name: 'x', scopes: ['messages'], secret: 1 })).toMatchObject({ status: 400 });
  expect((await call('PATCH', '/v1/account/keys/not-a-uuid', { name: 'y' })).status).toBe(404);
  expect((await call('DELETE', `/v1/account/keys/${randomUUID()}`)).status).toBe(404);
  // A messages-only key cannot manage keys.
  const plain = await call('POST', '/v1/account/keys', { name: 'plain', scopes: ['messages'] });
  expect((await call('GET', '/v1/account/keys', undefined, plain.body.key)).status).toBe(403);
});

it('revokes a key at once, and another account cannot touch it', async () => {
  const created = await call('POST', '/v1/account/keys', { name: 'to revoke', scopes: ['messages'] });
  expect((await settings(created.body.key)).status).toBe(200); // now cached
  const other = await accounts.createWithKey(`keys-other-${randomUUID()}`, 'admin', ['messages', 'keys']);
  expect((await call('DELETE', `/v1/account/keys/${created.body.id}`, undefined, other.apiKey)).status).toBe(404);
  expect((await call('DELETE', `/v1/account/keys/${created.body.id}`)).status).toBe(204);
  expect((await settings(created.body.key)).status).toBe(401);
  expect((await call('GET', '/v1/account/keys')).body.items.find((k: { id: string }) => k.id === created.body.id)?.status).toBe('revoked');
});

it('rotates with an overlap in which both keys work; with overlap 0 the old stops at once', async () => {
  const created = await call('POST', '/v1/account/keys', { name: 'rotating', scopes: ['messages'], allowedIps: ['127.0.0.1'] });
  const rotated = await call('POST', `/v1/account/keys/${created.body.id}/rotate`, { overlapSeconds: 3600 });
  expect(rotated.status).toBe(201);
  expect(rotated.body).toMatchObject({ name: 'rotating', scopes: ['messages'], allowedIps: ['127.0.0.1'], rotatedFrom: created.body.id });
  expect(Date.parse(rotated.body.replaced.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
  expect((await settings(created.body.key)).status).toBe(200);
  expect((await settings(rotated.body.key)).status).toBe(200);
  const again = await call('POST', `/v1/account/keys/${rotated.body.id}/rotate`, { overlapSeconds: 0 });
  expect((await settings(rotated.body.key)).status).toBe(401);
  expect((await settings(again.body.key)).status).toBe(200);
  expect(await call('POST', `/v1/account/keys/${rotated.body.id}/rotate`, {})).toMatchObject({ status: 409, body: { error: { code: 'key_not_active' } } });
});

it('refuses a key from an address it does not allow (403), and allows it once the list includes it', async () => {
  const created = await call('POST', '/v1/account/keys', { name: 'office only', scopes: ['messages'], allowedIps: ['203.0.113.0/24'] });
  expect(await settings(created.body.key)).toMatchObject({ status: 403, body: { error: { code: 'ip_not_allowed' } } });
  expect((await call('PATCH', `/v1/account/keys/${created.body.id}`, { allowedIps: ['203.0.113.0/24', '127.0.0.0/8'] })).status).toBe(200);
  expect((await settings(created.body.key)).status).toBe(200);
});

it('records each change in the audit log (who, from where, before and after, no secrets), newest first, with a CSV export', async () => {
  await call('POST', '/v1/account/keys', { name: 'audited before', scopes: ['messages'] });
  const created = await call('POST', '/v1/account/keys', { name: 'audited', scopes: ['messages'] });
  await call('PATCH', `/v1/account/keys/${created.body.id}`, { name: 'audited (renamed)' });
  await call('DELETE', `/v1/account/keys/${created.body.id}`);
  const page = await call('GET', `/v1/audit?targetType=api_key&limit=3`);
  expect(page.status).toBe(200);
  expect(page.body.items.map((e: { action: string }) => e.action)).toEqual(['api_key.revoke', 'api_key.update', 'api_key.create']);
  const [revoke, update] = page.body.items;
  expect(revoke).toMatchObject({ accountId, actorIp: '127.0.0.1', targetId: created.body.id, before: { status: 'active' }, after: { status: 'revoked' } });
  expect(update).toMatchObject({ before: { name: 'audited' }, after: { name: 'audited (renamed)' } });
  expect(JSON.stringify(page.body)).not.toContain(created.body.key);
  expect(page.body.nextCursor).toMatch(/^\d+$/);
  const older = await call('GET', `/v1/audit?targetType=api_key&limit=3&cursor=${page.body.nextCursor}`);
  expect(Number(older.body.items[0].id)).toBeLessThan(Number(page.body.items[2].id));
  const csv = await call<string>('GET', '/v1/audit?format=csv&action=api_key.revoke');
  expect(csv.status).toBe(200);
  expect(csv.body.split('\n')[0]).toBe('id,at,account_id,actor_key_id,actor_ip,action,target_type,target_id,before,after');
  expect(csv.body).toContain(created.body.id);
  // Another account sees none of it; only operators may name an account.
  const other = await accounts.createWithKey(`audit-other-${randomUUID()}`, 'admin', ['messages', 'keys']);
  expect((await call('GET', '/v1/audit', undefined, other.apiKey)).body.items).toEqual([]);
  expect((await call('GET', `/v1/audit?accountId=${accountId}`, undefined, other.apiKey)).status).toBe(403);
});

it('keeps the audit log append-only', async () => {
  const db = app.get(AccountRepository)['db'];
  await expect(db.query(`UPDATE audit_events SET action = 'x' WHERE account_id = $1`, [accountId])).rejects.toThrow(/append-only/);
  await expect(db.query(`DELETE FROM audit_events WHERE account_id = $1`, [accountId])).rejects.toThrow(/append-only/);
});
