// Limits, quotas and fraud rules through the whole stack, with two API replicas and two SMPP
// gateways sharing one PostgreSQL (issue 10's rows "60 sends to one number in 0.85 s; 150
// parallel GETs; 100 wrong keys: all accepted, no 429" and "OTP priority: any tenant may set
// it"): each test uses a new tenant with the default limits, and spreads its requests over both
// API replicas, so a limit that held in one process only would let twice as much through.
import { randomUUID } from 'node:crypto';
import * as smpp from 'smpp';
import { Client as PgClient } from 'pg';
import { AccountRepository, openDatabase } from '@app/db';
import { grantSenders } from '../support/senders';
import { DEFAULT_ACCOUNT_LIMITS } from '@app/domain';
import { DataSource } from 'typeorm';
import { connectEsme, Esme } from '../support/esme';
import { testDatabaseUrl, testKms } from '../support/env';
import { startTestStack, TestStack } from '../support/stack';

const E = smpp.errors;

type ErrorAnswer = { error: { code: string; message: string; field?: string } };
interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

let stack: TestStack;
let pg: PgClient;
let db: DataSource;
let accounts: AccountRepository;
const open: Esme[] = [];

beforeAll(async () => {
  stack = await startTestStack({ twoOfEach: true });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  accounts = new AccountRepository(db);
}, 180_000);

afterEach(async () => {
  for (const esme of open.splice(0)) await esme.close();
});

afterAll(async () => {
  // The failed-authentication count of 127.0.0.1 must not follow the next suite (the stack's processes, and their in-memory blocks, stop here).
  await pg?.query(`DELETE FROM rate_limits WHERE key LIKE 'authfail:%'`);
  await pg?.end();
  await db?.destroy();
  await stack?.stop();
});

/** A request to API replica `replica` (0 or 1). */
async function call<T = unknown>(replica: number, method: string, route: string, key: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(`${stack.apiUrls[replica % stack.apiUrls.length]}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

async function tenant(): Promise<{ key: string; accountId: string }> {
  const { apiKey, accountId } = await accounts.createWithKey(`limits-e2e-${randomUUID()}`, 'default', ['messages', 'smpp']);
  await grantSenders(db, accountId);
  return { key: apiKey, accountId };
}

/** Per-minute windows: start a burst well inside one minute. */
async function clearOfMinuteBoundary(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second > 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}

const stored = async (accountId: string) => Number((await pg.query(`SELECT count(*) FROM messages WHERE account_id = $1`, [accountId])).rows[0].count);

it('60 sends to one number in under a second: only perNumberPerMinute are accepted, the others get 429 with Retry-After', async () => {
  expect(stack.apiUrls).toHaveLength(2);
  const { key, accountId } = await tenant();
  await clearOfMinuteBoundary();
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 60 }, (_, i) => call<ErrorAnswer & { id?: string }>(i, 'POST', '/v1/messages', key, { to: '+14155550142', from: 'Acme', body: `velocity ${i}` })),
  );
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(answers.filter((a) => a.status === 202)).toHaveLength(DEFAULT_ACCOUNT_LIMITS.perNumberPerMinute);
  const refused = answers.filter((a) => a.status !== 202);
  for (const answer of refused) {
    expect(answer.status).toBe(429);
    // Over the number's velocity, or (60 in under a second from one key) over the key's request rate first.
    expect(['velocity_number_minute', 'rate_limited']).toContain(answer.body.error.code);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  }
  const velocity = refused.find((a) => a.body.error.code === 'velocity_number_minute')!;
  expect(velocity.body.error.field).toBe('to');
  // Nothing was stored for a refused send; another number still goes.
  expect(await stored(accountId)).toBe(DEFAULT_ACCOUNT_LIMITS.perNumberPerMinute);
  await new Promise((r) => setTimeout(r, 1100));
  expect((await call(0, 'POST', '/v1/messages', key, { to: '+14155550143', from: 'Acme', body: 'another number' })).status).toBe(202);
});

it('150 parallel GETs over two replicas: the key\'s rate holds across them, the rest get 429 with RateLimit headers', async () => {
  const { key } = await tenant();
  const sent = await call<{ id: string }>(0, 'POST', '/v1/messages', key, { to: '+14155550144', from: 'Acme', body: 'read me' });
  expect(sent.status).toBe(202);
  await new Promise((r) => setTimeout(r, 1100));
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => call(i, 'GET', `/v1/messages/${sent.body.id}`, key)));
  const elapsedSeconds = (Date.now() - started) / 1000;
  const ok = answers.filter((a) => a.status === 200);
  const limited = answers.filter((a) => a.status === 429);
  expect(ok.length + limited.length).toBe(150);
  // 50 a second for the key, counted once for both replicas: at most one window's worth per second the burst lasted, plus one.
  expect(ok.length).toBeGreaterThanOrEqual(DEFAULT_ACCOUNT_LIMITS.keyRequestsPerSecond);
  expect(ok.length).toBeLessThanOrEqual((Math.ceil(elapsedSeconds) + 1) * DEFAULT_ACCOUNT_LIMITS.keyRequestsPerSecond);
  expect(limited.length).toBeGreaterThan(0);
  expect((limited[0].body as ErrorAnswer).error.code).toBe('rate_limited');
  expect(limited[0].headers.get('retry-after')).toBe('1');
  expect(limited[0].headers.get('ratelimit-policy')).toBe(`"account";q=${DEFAULT_ACCOUNT_LIMITS.requestsPerSecond};w=1, "key";q=${DEFAULT_ACCOUNT_LIMITS.keyRequestsPerSecond};w=1`);
  expect(ok[0].headers.get('ratelimit')).toMatch(/^"account";r=\d+;t=1, "key";r=\d+;t=1$/);
});

it('100 wrong keys from one address: 401 at first, then 429 on both replicas', async () => {
  // Wrong keys an earlier suite sent from 127.0.0.1 within the minute must not count here.
  await pg.query(`DELETE FROM rate_limits WHERE key LIKE 'authfail:%'`);
  const answers: Answer<ErrorAnswer>[] = [];
  for (let i = 0; i < 100; i += 10) {
    answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => call<ErrorAnswer>(i + j, 'GET', '/v1/account/limits', `sk_${randomUUID()}`)))));
  }
  expect(answers.filter((a) => a.status === 401)).toHaveLength(20);
  const limited = answers.filter((a) => a.status === 429);
  expect(limited).toHaveLength(80);
  expect(limited[0].body.error.code).toBe('too_many_failed_authentications');
  expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(1);
  // The last ones on each replica are refused too.
  expect(answers.slice(-2).map((a) => a.status)).toEqual([429, 429]);
  // A valid key from the same address still works (a tenant behind a shared NAT is not locked out).
  const { key } = await tenant();
  expect((await call(0, 'GET', '/v1/account/limits', key)).status).toBe(200);
  expect((await call(1, 'GET', '/v1/account/limits', key)).status).toBe(200);
});

it('OTP priority only for entitled accounts: 403 naming priority until an operator allows it', async () => {
  const { key, accountId } = await tenant();
  const refused = await call<ErrorAnswer>(0, 'POST', '/v1/messages', key, { to: '+14155550145', from: 'Acme', body: 'Your code is 123456', priority: 'otp' });
  expect(refused.status).toBe(403);
  expect(refused.body.error).toMatchObject({ code: 'otp_priority_not_allowed', field: 'priority' });
  expect(await stored(accountId)).toBe(0);

  // The demo key is an operator key.
  expect((await stack.api('PATCH', `/v1/accounts/${accountId}/limits`, { otpPriority: true })).status).toBe(200);
  const allowed = await call<{ id: string }>(1, 'POST', '/v1/messages', key, { to: '+14155550145', from: 'Acme', body: 'Your code is 123456', priority: 'otp' });
  expect(allowed.status).toBe(202);
  expect((await pg.query(`SELECT priority FROM messages WHERE id = $1`, [allowed.body.id])).rows[0].priority).toBe('otp');
});

it('refuses premium-rate numbers and countries outside the allow-list, and the daily quota with Retry-After to the next UTC day', async () => {
  const { key, accountId } = await tenant();
  const premium = await call<ErrorAnswer>(0, 'POST', '/v1/messages', key, { to: '+19005551234', from: 'Acme', body: 'win a prize' });
  expect(premium.status).toBe(403);
  expect(premium.body.error).toMatchObject({ code: 'destination_number_type_refused', field: 'to' });

  await stack.api('PATCH', `/v1/accounts/${accountId}/limits`, { allowedCountries: ['GB'], dailyMessages: 2 });
  const country = await call<ErrorAnswer>(1, 'POST', '/v1/messages', key, { to: '+14155550146', from: 'Acme', body: 'hello' });
  expect(country.status).toBe(403);
  expect(country.body.error).toMatchObject({ code: 'destination_country_not_allowed', field: 'to' });

  const gb = await Promise.all([0, 1, 2].map((i) => call<ErrorAnswer>(i, 'POST', '/v1/messages', key, { to: `+44740012345${i}`, from: 'Acme', body: `quota ${i}` })));
  expect(gb.map((a) => a.status).sort()).toEqual([202, 202, 429]);
  const quota = gb.find((a) => a.status === 429)!;
  expect(quota.body.error.code).toBe('daily_quota_exceeded');
  const midnight = new Date();
  midnight.setUTCHours(24, 0, 0, 0);
  expect(Math.abs(Number(quota.headers.get('retry-after')) - (midnight.getTime() - Date.now()) / 1000)).toBeLessThan(10);
  expect(await stored(accountId)).toBe(2);

  // The tenant sees its own limits.
  expect((await call(0, 'GET', '/v1/account/limits', key)).body).toMatchObject({ allowedCountries: ['GB'], dailyMessages: 2, otpPriority: false });
});

it('SMPP: the same rules answer with SMPP statuses, counted across both gateways', async () => {
  const { key, accountId } = await tenant();
  const cred = await call<{ systemId: string; password: string }>(0, 'POST', '/v1/smpp/credentials', key, { systemId: `lim${Math.floor(Math.random() * 1e5)}` });
  expect(cred.status).toBe(201);
  const sessions = await Promise.all(
    stack.smppGateways.map(async (gateway) => {
      const client = await connectEsme({ port: gateway.port, systemId: cred.body.systemId, password: cred.body.password });
      open.push(client);
      expect(client.bindStatus).toBe(E.ESME_ROK);
      return client;
    }),
  );
  const submit = (i: number, to: string, extra: Record<string, unknown> = {}) =>
    sessions[i % sessions.length].request('submit_sm', {
      source_addr_ton: 5,
      source_addr: 'Acme',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: to.replace('+', ''),
      short_message: Buffer.from(`smpp ${i}`),
      ...extra,
    });
  expect((await submit(0, '+19005551234')).command_status).toBe(E.ESME_RINVDSTADR);
  expect((await submit(1, '+14155550147', { priority_flag: 2 })).command_status).toBe(E.ESME_RINVPRTFLG);

  await clearOfMinuteBoundary();
  const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) => submit(i, '+14155550148').then((r) => r.command_status)));
  expect(statuses.filter((s) => s === E.ESME_ROK)).toHaveLength(DEFAULT_ACCOUNT_LIMITS.perNumberPerMinute);
  expect(statuses.filter((s) => s === E.ESME_RTHROTTLED)).toHaveLength(16 - DEFAULT_ACCOUNT_LIMITS.perNumberPerMinute);
  expect(await stored(accountId)).toBe(DEFAULT_ACCOUNT_LIMITS.perNumberPerMinute);
});
