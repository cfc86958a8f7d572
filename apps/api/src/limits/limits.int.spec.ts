// Account limits through the real Nest app against the integration run's PostgreSQL: operators
// read and change them, a tenant reads its own, settings are validated, and the guard applies
// the request limits with their headers.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { AccountRepository, LOOPBACK_ONLY } from '@app/db';
import { DEFAULT_ACCOUNT_LIMITS } from '@app/domain';
import { startApiApp } from '../../../../test/support/api-app';

type Answer<T = unknown> = { status: number; body: T; headers: Headers };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let app: INestApplication;
let accounts: AccountRepository;
let baseUrl: string;
let operatorKey: string;
let tenantKey: string;
let tenantId: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  accounts = app.get(AccountRepository);
  operatorKey = (await accounts.createWithKey(`ops-${randomUUID()}`, 'ops', ['messages', 'operator'], { allowedIps: LOOPBACK_ONLY })).apiKey;
  ({ apiKey: tenantKey, accountId: tenantId } = await accounts.createWithKey(`tenant-${randomUUID()}`));
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, path: string, body?: unknown, apiKey: string | null = operatorKey): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

it('shows a new tenant the defaults, and the operator\'s changes; null returns a setting to its default', async () => {
  expect(await call('GET', '/v1/account/limits', undefined, tenantKey)).toMatchObject({ status: 200, body: DEFAULT_ACCOUNT_LIMITS });

  const changed = await call('PATCH', `/v1/accounts/${tenantId}/limits`, { otpPriority: true, allowedCountries: ['US', 'GB'], perNumberPerMinute: 3, blockedNumberTypes: [] });
  expect(changed).toMatchObject({ status: 200, body: { ...DEFAULT_ACCOUNT_LIMITS, otpPriority: true, allowedCountries: ['US', 'GB'], perNumberPerMinute: 3, blockedNumberTypes: [] } });
  expect((await call('GET', '/v1/account/limits', undefined, tenantKey)).body).toEqual(changed.body);
  expect((await call('GET', `/v1/accounts/${tenantId}/limits`)).body).toEqual(changed.body);

  const reset = await call('PATCH', `/v1/accounts/${tenantId}/limits`, { allowedCountries: null, blockedNumberTypes: null });
  expect(reset.body).toEqual({ ...DEFAULT_ACCOUNT_LIMITS, otpPriority: true, perNumberPerMinute: 3 });
});

it.each([
  [{ requestsPerSecond: 0 }, 'requestsPerSecond', 'invalid_field'],
  [{ keyRequestsPerSecond: 1.5 }, 'keyRequestsPerSecond', 'invalid_field'],
  [{ dailyMessages: '100' }, 'dailyMessages', 'invalid_field'],
  [{ otpPriority: 'yes' }, 'otpPriority', 'invalid_field'],
  [{ allowedCountries: ['us'] }, 'allowedCountries', 'invalid_field'],
  [{ allowedCountries: 'US' }, 'allowedCountries', 'invalid_field'],
  [{ blockedNumberTypes: ['EXPENSIVE'] }, 'blockedNumberTypes', 'invalid_field'],
  [{ perPrefixPerMinute: 2_000_000_000 }, 'perPrefixPerMinute', 'invalid_field'],
  [{ perNumberPerHour: 5, burst: 3 }, 'burst', 'unknown_field'],
])('refuses %j naming %s and changes nothing', async (body, field, code) => {
  const before = (await call('GET', `/v1/accounts/${tenantId}/limits`)).body;
  expect(await call<ErrorAnswer>('PATCH', `/v1/accounts/${tenantId}/limits`, body)).toMatchObject({ status: 400, body: { error: { code, field } } });
  expect((await call('GET', `/v1/accounts/${tenantId}/limits`)).body).toEqual(before);
});

it('lets only operators change limits or read another account\'s; unknown accounts are 404', async () => {
  expect((await call<ErrorAnswer>('PATCH', `/v1/accounts/${tenantId}/limits`, { otpPriority: true }, tenantKey)).body.error.code).toBe('insufficient_scope');
  expect((await call('GET', `/v1/accounts/${tenantId}/limits`, undefined, tenantKey)).status).toBe(403);
  expect((await call('GET', `/v1/accounts/${randomUUID()}/limits`)).status).toBe(404);
  expect((await call('PATCH', '/v1/accounts/not-a-uuid/limits', { otpPriority: true })).status).toBe(404);
});

it('sends RateLimit headers on authenticated answers and 429 with Retry-After over the key\'s rate', async () => {
  const { apiKey, accountId } = await accounts.createWithKey(`rate-${randomUUID()}`);
  await accounts.updateLimits(accountId, { keyRequestsPerSecond: 5 });
  const answers = await Promise.all(Array.from({ length: 15 }, () => call('GET', '/v1/account/limits', undefined, apiKey)));
  const ok = answers.filter((a) => a.status === 200);
  const limited = answers.filter((a) => a.status === 429);
  expect(ok.length).toBeGreaterThanOrEqual(5);
  expect(limited.length).toBeGreaterThanOrEqual(5);
  expect(ok.length + limited.length).toBe(15);
  expect(ok[0].headers.get('ratelimit-policy')).toBe(`"account";q=${DEFAULT_ACCOUNT_LIMITS.requestsPerSecond};w=1, "key";q=5;w=1`);
  expect(ok[0].headers.get('ratelimit')).toMatch(/^"account";r=\d+;t=1, "key";r=\d;t=1$/);
  expect(limited[0].body).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('API key') } });
  expect(limited[0].headers.get('retry-after')).toBe('1');
  expect(limited[0].headers.get('ratelimit')).toMatch(/"key";r=0;t=1$/);
});

it('documents the limits endpoints and 429 in OpenAPI', async () => {
  const doc = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  expect(Object.keys(doc.paths['/v1/account/limits'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/v1/accounts/{accountId}/limits']).sort()).toEqual(['get', 'patch']);
  expect(doc.paths['/v1/accounts/{accountId}/limits'].patch.responses).toHaveProperty('400');
  expect(doc.paths['/v1/messages'].post.responses).toHaveProperty('429');
  expect(doc.paths['/v1/messages'].post.responses).toHaveProperty('403');
  // Every operation that takes a key.
  expect(doc.paths['/v1/routes'].get.responses['429']).toMatchObject({ headers: { 'Retry-After': expect.anything(), RateLimit: expect.anything() } });
  expect(doc.paths['/v1/account/limits'].get.responses).toHaveProperty('429');
  // /health with a key counts against the key's limits too.
  expect(doc.paths['/health'].get.responses).toHaveProperty('429');
});
