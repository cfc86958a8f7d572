// /v1/account/settings through the real Nest app against the integration run's PostgreSQL
// and Temporal.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';

type Answer<T = unknown> = { status: number; body: T };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let app: INestApplication;
let accounts: AccountRepository;
let baseUrl: string;
let key: string;
let accountId: string;
let otherKey: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  accounts = app.get(AccountRepository);
  ({ apiKey: key, accountId } = await accounts.createWithKey(`settings-${randomUUID()}`));
  otherKey = (await accounts.createWithKey(`settings-other-${randomUUID()}`)).apiKey;
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, body?: unknown, apiKey: string | null = key): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}/v1/account/settings`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

it('starts with smart encoding off, turns it on and off again, for this account only', async () => {
  expect(await call('GET')).toEqual({ status: 200, body: { smartEncoding: false } });

  expect(await call('PATCH', { smartEncoding: true })).toEqual({ status: 200, body: { smartEncoding: true } });
  expect(await call('GET')).toEqual({ status: 200, body: { smartEncoding: true } });
  expect(await accounts.settings(accountId)).toEqual({ smartEncoding: true });
  // What sending reads, with the key.
  expect((await accounts.authenticate(key))?.smartEncoding).toBe(true);
  expect(await call('GET', undefined, otherKey)).toEqual({ status: 200, body: { smartEncoding: false } });

  expect(await call('PATCH', { smartEncoding: false })).toEqual({ status: 200, body: { smartEncoding: false } });
  expect(await call('GET')).toEqual({ status: 200, body: { smartEncoding: false } });
});

it.each([
  [{ smartEncoding: 'true' }, 'smartEncoding', 'invalid_field'],
  [{ smartEncoding: 1 }, 'smartEncoding', 'invalid_field'],
  [{ smartEncoding: null }, 'smartEncoding', 'invalid_field'],
  [{}, 'smartEncoding', 'invalid_field'],
  [{ smartEncoding: true, unicode: 'never' }, 'unicode', 'unknown_field'],
])('refuses %j naming %s and changes nothing', async (body, field, code) => {
  await call('PATCH', { smartEncoding: false });
  const res = await call<ErrorAnswer>('PATCH', body);
  expect(res).toEqual({ status: 400, body: { error: { code, message: expect.any(String), field } } });
  expect(await accounts.settings(accountId)).toEqual({ smartEncoding: false });
});

it('requires an API key', async () => {
  expect((await call('GET', undefined, null)).status).toBe(401);
  expect((await call('PATCH', { smartEncoding: true }, null)).status).toBe(401);
});

it('documents the settings, SMPP credential and number endpoints in OpenAPI', async () => {
  const res = await fetch(`${baseUrl}/docs/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>> };
  expect(Object.keys(doc.paths['/v1/account/settings']).sort()).toEqual(['get', 'patch']);
  expect(doc.paths['/v1/account/settings'].patch.description).toMatch(/GSM-7.*segments.*SMPP/s);
  expect(Object.keys(doc.paths['/v1/smpp/credentials']).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/v1/smpp/credentials/{systemId}']).sort()).toEqual(['delete', 'patch']);
  expect(doc.paths['/v1/smpp/credentials/{systemId}/password'].post.responses).toHaveProperty('200');
  expect(Object.keys(doc.paths['/v1/numbers']).sort()).toEqual(['get', 'post']);
  expect(doc.paths['/v1/numbers/{number}'].delete.responses).toHaveProperty('404');
});
