// REST request limits hold across API replicas: two RequestLimits, each on its own connection
// pool, share their counts through PostgreSQL (rate-limiter-flexible's store).
import { randomUUID } from 'node:crypto';
import { RateLimitedError } from '@app/contracts';
import { LimitsPool, openDatabase, openLimitsPool } from '@app/db';
import { resolveLimits } from '@app/domain';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { AUTH_FAILURES_PER_WINDOW, leaseSize, RequestLimits } from './request-limits';

let pools: LimitsPool[];
let replicas: RequestLimits[];

beforeAll(async () => {
  // Migrations (rate_limits) first, as a process does at start.
  await (await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 })).destroy();
  pools = [1, 2].map((n) => openLimitsPool(testDatabaseUrl(), { max: 4, applicationName: `request-limits-${n}` }));
  replicas = pools.map((pool) => new RequestLimits(pool));
});
afterAll(async () => {
  await Promise.all((pools ?? []).map((pool) => pool.end()));
});

it('admits keyRequestsPerSecond requests of one key across two replicas, then 429 with RateLimit headers', async () => {
  const auth = { accountId: randomUUID(), keyId: randomUUID(), limits: resolveLimits({ keyRequestsPerSecond: 6, requestsPerSecond: 100 }) };
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 2].admit(auth)));
  expect(answers.filter((a) => a.refusal === null)).toHaveLength(6);
  const refused = answers.filter((a) => a.refusal !== null);
  expect(refused).toHaveLength(14);
  expect(refused[0].refusal).toBeInstanceOf(RateLimitedError);
  expect(refused[0].refusal).toMatchObject({ code: 'rate_limited' });
  expect(refused[0].refusal!.retryAfterSeconds).toBe(1);
  expect(refused[0].headers['RateLimit-Policy']).toBe('"account";q=100;w=1, "key";q=6;w=1');
  expect(refused[0].headers.RateLimit).toMatch(/^"account";r=\d+;t=1, "key";r=0;t=1$/);
  // The next second is a new window.
  await new Promise((r) => setTimeout(r, 1100));
  expect((await replicas[1].admit(auth)).refusal).toBeNull();
});

it('counts every key of an account against the account\'s limit', async () => {
  const accountId = randomUUID();
  const limits = resolveLimits({ keyRequestsPerSecond: 100, requestsPerSecond: 5 });
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => replicas[i % 2].admit({ accountId, keyId: randomUUID(), limits })));
  expect(answers.filter((a) => a.refusal === null)).toHaveLength(5);
});

it('takes requests from PostgreSQL a lease at a time, and two replicas together admit exactly the limit', async () => {
  const accountId = randomUUID();
  const limits = resolveLimits({ keyRequestsPerSecond: 1000, requestsPerSecond: 100 });
  expect(leaseSize(100)).toBe(10);
  let queries = 0;
  const counted = new Proxy(pools[0], { get: (pool, prop) => (prop === 'query' ? (...args: unknown[]) => ((queries += 1), (pool.query as (...a: unknown[]) => unknown)(...args)) : Reflect.get(pool, prop)) });
  const lone = new RequestLimits(counted as LimitsPool);
  const keyId = randomUUID();
  for (let i = 0; i < 30; i += 1) expect((await lone.admit({ accountId, keyId, limits })).refusal).toBeNull();
  expect(queries).toBe(4); // three leases of 10 of the account's limit, one of 50 of the key's
  // The rest of the window, asked for at once through two replicas: 70 more, no more.
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => replicas[i % 2].admit({ accountId, keyId: randomUUID(), limits })));
  expect(answers.filter((a) => a.refusal === null)).toHaveLength(70);
});

it(`answers 429 after ${AUTH_FAILURES_PER_WINDOW} failed authentications from one IP, on any replica`, async () => {
  const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID()}`;
  const results = await Promise.allSettled(Array.from({ length: AUTH_FAILURES_PER_WINDOW + 10 }, (_, i) => replicas[i % 2].failedAuthentication(ip)));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(AUTH_FAILURES_PER_WINDOW);
  const refusal = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as RateLimitedError;
  expect(refusal).toMatchObject({ code: 'too_many_failed_authentications' });
  expect(refusal.retryAfterSeconds).toBeGreaterThan(1);
  // Another address is not affected.
  await expect(replicas[0].failedAuthentication(`203.0.113.7-${randomUUID()}`)).resolves.toBeUndefined();
});

it('keeps limiting from memory when PostgreSQL cannot answer (no 5xx)', async () => {
  const broken = openLimitsPool('postgres://nobody:wrong@127.0.0.1:1/none', { max: 1 });
  const limits = new RequestLimits(broken);
  const auth = { accountId: randomUUID(), keyId: randomUUID(), limits: resolveLimits({ keyRequestsPerSecond: 3 }) };
  const answers = await Promise.all(Array.from({ length: 5 }, () => limits.admit(auth)));
  expect(answers.map((a) => a.refusal === null)).toEqual([true, true, true, false, false]);
  await expect(limits.failedAuthentication('192.0.2.1')).resolves.toBeUndefined();
  await broken.end();
});
