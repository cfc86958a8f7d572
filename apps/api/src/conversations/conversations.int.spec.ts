// GET /v1/conversations, GET /v1/messages and the webhook settings through the real Nest app
// against the integration run's PostgreSQL: hostile query strings and bodies get a 400 naming
// the field (never a 5xx), secrets are shown once, and every operation is in OpenAPI.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';

type Answer<T = unknown> = { status: number; body: T };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let app: INestApplication;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  ({ apiKey: key } = await app.get(AccountRepository).createWithKey(`two-way-api-${randomUUID()}`));
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, path: string, body?: unknown, apiKey: string | null = key): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

it('lists an empty account: no conversations, no messages, no next page', async () => {
  expect(await call('GET', '/v1/conversations')).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  expect(await call('GET', '/v1/messages?direction=inbound&limit=5')).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  expect(await call('GET', `/v1/conversations/${randomUUID()}`)).toMatchObject({ status: 404, body: { error: { code: 'conversation_not_found' } } });
});

it.each([
  ['direction=sideways', 'direction'],
  ['direction=inbound&direction=outbound', 'direction'],
  ['status=lost', 'status'],
  ['since=2024-13-45T00:00:00Z', 'since'],
  ['since=', 'since'],
  ['limit=0', 'limit'],
  ['limit=101', 'limit'],
  ['limit=abc', 'limit'],
  ['limit=1.5', 'limit'],
  ['cursor=%22%3B', 'cursor'],
  ['cursor=eyJub3QiOiJhIGN1cnNvciJ9', 'cursor'],
  [`cursor=${Buffer.from(JSON.stringify(['2024-02-30 25:61:00+00', '00000000-0000-0000-0000-000000000000'])).toString('base64url')}`, 'cursor'],
  [`cursor=${Buffer.from(JSON.stringify(['0000-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000'])).toString('base64url')}`, 'cursor'],
  ['since=0000-01-01T00:00:00Z', 'since'],
  ['since=%2B010000-01-01T00:00:00Z', 'since'],
  ['to=%00', 'to'],
  ['to=%2B1&to=%2B2', 'to'],
  ['to[]=x', 'to[]'],
  ['from=' + 'x'.repeat(40), 'from'],
  ['colour=red', 'colour'],
])('GET /v1/messages?%s is a 400 naming %s', async (query, field) => {
  const res = await call<ErrorAnswer>('GET', `/v1/messages?${query}`);
  expect({ status: res.status, field: res.body.error?.field }).toEqual({ status: 400, field });
});

it('GET /v1/conversations refuses a bad cursor or limit with a 400 naming it', async () => {
  expect((await call<ErrorAnswer>('GET', '/v1/conversations?limit=-1')).body.error.field).toBe('limit');
  expect((await call<ErrorAnswer>('GET', '/v1/conversations?cursor=WyJ4IiwieSJd')).body.error.field).toBe('cursor');
  // A NUL in a path parameter is refused by the general input rules, before any lookup.
  expect((await call('GET', '/v1/conversations/%00')).status).toBe(400);
});

it('shows the signing secret once, when the inbound URL is first set, and a new one at each rotation', async () => {
  const first = await call<{ inboundUrl: string; secret?: string; secrets: unknown[] }>('PUT', '/v1/account/webhooks', { inboundUrl: 'https://93.184.215.14/inbound' });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ inboundUrl: 'https://93.184.215.14/inbound', secret: expect.stringMatching(/^whsec_/), secrets: [expect.any(Object)] });
  const again = await call<{ secret?: string }>('PUT', '/v1/account/webhooks', { inboundUrl: null });
  expect(again.body).not.toHaveProperty('secret');
  expect((await call<{ inboundUrl: null }>('GET', '/v1/account/webhooks')).body.inboundUrl).toBeNull();
  const rotated = await call<{ secret: string; previousExpiresAt: string }>('POST', '/v1/account/webhook-secret/rotate', { overlapSeconds: 60 });
  expect(rotated).toMatchObject({ status: 200, body: { secret: expect.stringMatching(/^whsec_/), previousExpiresAt: expect.any(String) } });
  expect(rotated.body.secret).not.toBe(first.body.secret);
  expect((await call<{ secrets: unknown[] }>('GET', '/v1/account/webhooks')).body.secrets).toHaveLength(2);
  expect((await call('POST', '/v1/account/webhook-secret/rotate')).status).toBe(200);
});

it.each([
  [{}, 'inboundUrl'],
  [{ inboundUrl: 5 }, 'inboundUrl'],
  [{ inboundUrl: 'ftp://example.com/' }, 'inboundUrl'],
  [{ inboundUrl: 'http://10.0.0.5/' }, 'inboundUrl'],
  [{ inboundUrl: 'http://[::1]:8080/' }, 'inboundUrl'],
  [{ inboundUrl: 'https://example.com/\u0000' }, 'inboundUrl'],
  [{ inboundUrl: `https://example.com/${'a'.repeat(3000)}` }, 'inboundUrl'],
  [{ inboundUrl: null, extra: 1 }, 'extra'],
])('PUT /v1/account/webhooks %j is a 400 naming %s', async (body, field) => {
  const res = await call<ErrorAnswer>('PUT', '/v1/account/webhooks', body);
  expect({ status: res.status, field: res.body.error?.field }).toEqual({ status: 400, field });
});

it.each([[{ overlapSeconds: -1 }], [{ overlapSeconds: 'x' }], [{ overlapSeconds: null }], [{ overlapSeconds: 1e9 }], [{ other: true }]])('POST /v1/account/webhook-secret/rotate %j is a 400', async (body) => {
  expect((await call('POST', '/v1/account/webhook-secret/rotate', body)).status).toBe(400);
});

it('needs an API key', async () => {
  for (const [method, path] of [
    ['GET', '/v1/conversations'],
    ['GET', '/v1/messages'],
    ['GET', '/v1/account/webhooks'],
    ['POST', '/v1/account/webhook-secret/rotate'],
  ]) {
    expect((await call(method, path, undefined, null)).status).toBe(401);
  }
});

it('documents every new operation in OpenAPI', async () => {
  const doc = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>> };
  expect(Object.keys(doc.paths['/v1/conversations'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/v1/conversations/{id}'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/v1/messages']).sort()).toEqual(['get', 'post']);
  expect(doc.paths['/v1/messages'].get.parameters?.map((p) => p.name).sort()).toEqual(['cursor', 'direction', 'from', 'limit', 'since', 'status', 'to']);
  expect(doc.paths['/v1/messages'].get.responses).toHaveProperty('400');
  expect(Object.keys(doc.paths['/v1/account/webhooks']).sort()).toEqual(['get', 'put']);
  expect(doc.paths['/v1/account/webhook-secret/rotate'].post.responses).toHaveProperty('200');
});
