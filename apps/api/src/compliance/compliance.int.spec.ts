// The compliance API through the real Nest app against the integration run's PostgreSQL:
// opt-outs, opt-ins and consents recorded by the customer (source api), the export in JSON
// pages and CSV, the compliance settings, auto-reply CRUD, and bad input answered with a 400
// naming the field (never a 5xx), each account seeing only its own records.
import { randomInt, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';

type Answer<T = unknown> = { status: number; body: T; text: string };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };
type Event = { id: string; type: string; phone: string; sender: string | null; source: string; category: string | null };

let app: INestApplication;
let baseUrl: string;
let key: string;
let otherKey: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  ({ apiKey: key } = await app.get(AccountRepository).createWithKey(`compliance-api-${randomUUID()}`));
  ({ apiKey: otherKey } = await app.get(AccountRepository).createWithKey(`compliance-api-other-${randomUUID()}`));
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, path: string, body?: unknown, apiKey = key): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T, text };
}

const phone = () => `+385 91 ${randomInt(100, 999)} ${randomInt(1000, 9999)}`;

it('records opt-outs, opt-ins and consents with source api and exports them in order, JSON pages and CSV', async () => {
  const raw = phone();
  const e164 = raw.replace(/ /g, '');
  const out = await call<Event>('POST', '/v1/compliance/opt-outs', { phone: raw, sender: 'Acme' });
  expect(out).toMatchObject({ status: 201, body: { type: 'opt_out', phone: e164, sender: 'Acme', source: 'api' } });
  expect((await call<Event>('POST', '/v1/compliance/opt-ins', { phone: raw })).body).toMatchObject({ type: 'opt_in', sender: null });
  expect((await call<Event>('POST', '/v1/compliance/consents', { phone: raw, category: 'marketing', granted: false })).body).toMatchObject({ type: 'consent_withdrawn', category: 'marketing' });

  const first = await call<{ items: Event[]; nextCursor: string }>('GET', `/v1/compliance/events?phone=${encodeURIComponent(e164)}&limit=2`);
  expect(first.status).toBe(200);
  expect(first.body.items.map((e) => e.type)).toEqual(['opt_out', 'opt_in']);
  const second = await call<{ items: Event[]; nextCursor: string | null }>('GET', `/v1/compliance/events?phone=${encodeURIComponent(e164)}&limit=2&cursor=${first.body.nextCursor}`);
  expect(second.body).toMatchObject({ items: [{ type: 'consent_withdrawn' }], nextCursor: null });

  const csv = await call('GET', `/v1/compliance/events?phone=${encodeURIComponent(e164)}&format=csv`);
  expect(csv.status).toBe(200);
  expect(csv.text.trim().split('\n').map((l) => l.split(',')[1])).toEqual(['type', 'opt_out', 'opt_in', 'consent_withdrawn']);
  // Another account sees none of it.
  expect((await call<{ items: Event[] }>('GET', `/v1/compliance/events?phone=${encodeURIComponent(e164)}`, undefined, otherKey)).body.items).toEqual([]);
});

it.each([
  ['POST', '/v1/compliance/opt-outs', { phone: 'not a number' }, 'phone'],
  ['POST', '/v1/compliance/opt-outs', { phone: '+385911234567', sender: '' }, 'sender'],
  ['POST', '/v1/compliance/opt-outs', { phone: '+385911234567', extra: 1 }, 'extra'],
  ['POST', '/v1/compliance/consents', { phone: '+385911234567', category: 'otp' }, 'category'],
  ['PATCH', '/v1/account/compliance', { optOutScope: 'everyone' }, 'optOutScope'],
  ['PATCH', '/v1/account/compliance', { exemptCategories: ['spam'] }, 'exemptCategories'],
  ['PATCH', '/v1/account/compliance', { locales: ['not a locale'] }, 'locales[0]'],
  ['PATCH', '/v1/account/compliance', { keywords: { hr: { optOut: [''] } } }, 'keywords.hr.optOut[0]'],
  ['PATCH', '/v1/account/compliance', { keywords: { hr: { stop: ['X'] } } }, 'keywords.hr.stop'],
  ['PATCH', '/v1/account/compliance', { keywords: { hr: { replies: { optOut: 5 } } } }, 'keywords.hr.replies.optOut'],
  ['POST', '/v1/account/auto-replies', { keyword: '   ', reply: 'x' }, 'keyword'],
  ['POST', '/v1/account/auto-replies', { keyword: 'a', match: 'fuzzy', reply: 'x' }, 'match'],
  ['POST', '/v1/account/auto-replies', { keyword: 'a' }, 'reply'],
] as [string, string, unknown, string][])('%s %s %j is a 400 naming %s', async (method, path, body, field) => {
  const res = await call<ErrorAnswer>(method, path, body);
  expect(res.status).toBe(400);
  expect(res.body.error.field).toBe(field);
});

it.each([['format=xml', 'format'], ['since=yesterday', 'since'], ['cursor=abc', 'cursor'], ['limit=0', 'limit']])('GET /v1/compliance/events?%s is a 400 naming %s', async (query, field) => {
  const res = await call<ErrorAnswer>('GET', `/v1/compliance/events?${query}`);
  expect(res.status).toBe(400);
  expect(res.body.error.field).toBe(field);
});

it('changes the compliance settings; null returns a field to its default', async () => {
  expect((await call('GET', '/v1/account/compliance')).body).toEqual({ optOutScope: 'account', exemptCategories: ['otp'], helpText: expect.any(String), locales: ['en', 'hr'], keywords: {} });
  const changed = await call('PATCH', '/v1/account/compliance', { optOutScope: 'sender', exemptCategories: [], locales: ['hr', 'de'], keywords: { de: { optOut: ['ABMELDEN'], replies: { optOut: 'Abgemeldet.' } } } });
  expect(changed).toMatchObject({ status: 200, body: { optOutScope: 'sender', exemptCategories: [], locales: ['hr', 'de'], keywords: { de: { optOut: ['ABMELDEN'] } } } });
  expect((await call('PATCH', '/v1/account/compliance', { optOutScope: null, exemptCategories: null })).body).toMatchObject({ optOutScope: 'account', exemptCategories: ['otp'], locales: ['hr', 'de'] });
});

it('creates, reads, replaces and deletes auto-reply rules of its own account only', async () => {
  const created = await call<{ id: string }>('POST', '/v1/account/auto-replies', { keyword: 'Cijena', locale: 'hr', reply: 'Cijene su na webu.' });
  expect(created).toMatchObject({ status: 201, body: { keyword: 'Cijena', match: 'exact', locale: 'hr' } });
  expect((await call<ErrorAnswer>('POST', '/v1/account/auto-replies', { keyword: 'CIJENA', locale: 'hr', reply: 'again' })).body.error.code).toBe('auto_reply_exists');
  const id = created.body.id;
  expect((await call('GET', `/v1/account/auto-replies/${id}`)).status).toBe(200);
  expect((await call('GET', `/v1/account/auto-replies/${id}`, undefined, otherKey)).status).toBe(404);
  expect((await call('PUT', `/v1/account/auto-replies/${id}`, { keyword: 'price', match: 'prefix', reply: 'Prices online.' })).body).toMatchObject({ keyword: 'price', match: 'prefix', locale: null });
  expect((await call<{ items: { id: string }[] }>('GET', '/v1/account/auto-replies')).body.items.map((r) => r.id)).toEqual([id]);
  expect((await call('DELETE', `/v1/account/auto-replies/${id}`, undefined, otherKey)).status).toBe(404);
  expect((await call('DELETE', `/v1/account/auto-replies/${id}`)).status).toBe(204);
  expect((await call('GET', '/v1/account/auto-replies/not-a-uuid')).status).toBe(404);
});
