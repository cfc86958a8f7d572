// Control-plane routes leave their audit record (who, from where, before and after, no secrets)
// through @Audited, through the real Nest app against the run's PostgreSQL.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository, LOOPBACK_ONLY } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';

interface AuditItem {
  action: string;
  targetId: string | null;
  accountId: string | null;
  actorKeyId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

let app: INestApplication;
let baseUrl: string;
let operator: { apiKey: string; accountId: string; keyId: string };
let tenant: { apiKey: string; accountId: string; keyId: string };

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  const accounts = app.get(AccountRepository);
  operator = await accounts.createWithKey(`audit-ops-${randomUUID()}`, 'ops', ['messages', 'keys', 'operator'], { allowedIps: LOOPBACK_ONLY });
  tenant = await accounts.createWithKey(`audit-tenant-${randomUUID()}`, 'admin', ['messages', 'smpp', 'keys']);
});
afterAll(async () => {
  await app?.close();
});

async function call<T>(method: string, route: string, apiKey: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

it("records an operator's change of an account's limits under that account, with before and after", async () => {
  expect((await call('PATCH', `/v1/accounts/${tenant.accountId}/limits`, operator.apiKey, { dailyMessages: 1234 })).status).toBe(200);
  const { body } = await call<{ items: AuditItem[] }>('GET', `/v1/audit?accountId=${tenant.accountId}&action=limits.update`, operator.apiKey);
  expect(body.items).toHaveLength(1);
  expect(body.items[0]).toMatchObject({ targetId: tenant.accountId, accountId: tenant.accountId, actorKeyId: operator.keyId, after: { dailyMessages: 1234 } });
  expect(body.items[0].before!.dailyMessages).not.toBe(1234);
  // The tenant sees the change made to its account too.
  expect((await call<{ items: AuditItem[] }>('GET', '/v1/audit?action=limits.update', tenant.apiKey)).body.items).toHaveLength(1);
});

it('records SMPP credential changes without the password, and nothing for a refused change', async () => {
  const created = await call<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', tenant.apiKey, {});
  expect(created.status).toBe(201);
  const rotated = await call<{ password: string }>('POST', `/v1/smpp/credentials/${created.body.systemId}/password`, tenant.apiKey);
  expect(rotated.status).toBe(200);
  expect((await call('PATCH', `/v1/smpp/credentials/${created.body.systemId}`, tenant.apiKey, { maxBinds: 0 })).status).toBe(400);
  const { body } = await call<{ items: AuditItem[] }>('GET', '/v1/audit?targetType=smpp_credential', tenant.apiKey);
  expect(body.items.map((e) => e.action)).toEqual(['smpp_credential.password', 'smpp_credential.create']);
  expect(body.items[1]).toMatchObject({ targetId: created.body.systemId, before: null, after: { systemId: created.body.systemId } });
  const text = JSON.stringify(body);
  expect(text).not.toContain(created.body.password);
  expect(text).not.toContain(rotated.body.password);
  expect(text).not.toMatch(/password"\s*:/i);
});
