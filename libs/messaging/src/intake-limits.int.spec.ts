// Quota and velocity limits hold across replicas: two IntakeLimits, each with its own
// connection pool (as two API or gateway processes have), count in the same PostgreSQL.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RateLimitedError } from '@app/contracts';
import { AccountRepository, LimitsPool, openDatabase, openLimitsPool, UsageCounterRepository } from '@app/db';
import { resolveLimits } from '@app/domain';
import { testDatabaseUrl, testKms } from '../../../test/support/env';
import { IntakeLimits } from './intake-limits';

let dbs: DataSource[];
let pools: LimitsPool[];
let replicas: IntakeLimits[];
let accounts: AccountRepository;

beforeAll(async () => {
  dbs = await Promise.all([1, 2].map((n) => openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4, applicationName: `limits-replica-${n}` })));
  accounts = new AccountRepository(dbs[0]);
  pools = [1, 2].map((n) => openLimitsPool(testDatabaseUrl(), { max: 4, applicationName: `limits-counters-${n}` }));
  replicas = dbs.map((db, i) => new IntakeLimits(new AccountRepository(db), new UsageCounterRepository(pools[i]), { cacheMs: 0 }));
});
afterAll(async () => {
  await Promise.all((pools ?? []).map((pool) => pool.end()));
  await Promise.all((dbs ?? []).map((db) => db.destroy()));
});

async function consumeMany(accountId: string, numbers: string[]): Promise<PromiseSettledResult<number | undefined>[]> {
  return Promise.all(
    numbers.map(async (to, i) => {
      const replica = replicas[i % 2];
      return Promise.allSettled([replica.consume(accountId, to, await replica.limitsOf(accountId))]).then((r) => r[0]);
    }),
  );
}

it('lets exactly perNumberPerMinute messages to one number through across two replicas, the rest get 429 data', async () => {
  const { accountId } = await accounts.createWithKey(`velocity-${randomUUID()}`);
  await accounts.updateLimits(accountId, { perNumberPerMinute: 7 });
  // Stay clear of a minute boundary, which would start a new window mid-test.
  const second = new Date().getUTCSeconds();
  if (second > 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const results = await consumeMany(accountId, Array(30).fill('+14155550100'));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
  const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as RateLimitedError);
  expect(refusals).toHaveLength(23);
  for (const refusal of refusals) {
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect(refusal.code).toBe('velocity_number_minute');
  }
  // Another number, and another account, are counted apart.
  await expect(replicas[1].consume(accountId, '+14155550199', resolveLimits({}))).resolves.toBeUndefined();
});

it('counts numbers of one block together, and the daily quota over every number', async () => {
  const { accountId } = await accounts.createWithKey(`prefix-${randomUUID()}`);
  await accounts.updateLimits(accountId, { perPrefixPerMinute: 5, dailyMessages: 8 });
  const second = new Date().getUTCSeconds();
  if (second > 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const block = Array.from({ length: 6 }, (_, i) => `+1415555020${i}`);
  const blockResults = await consumeMany(accountId, block);
  expect(blockResults.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  expect(blockResults.map((r) => (r.status === 'rejected' ? (r.reason as RateLimitedError).code : 'ok'))).toContain('velocity_prefix_minute');

  // Numbers in other blocks: the quota (8 a day; the 6 above counted, the refused one too) stops the third.
  const others = await consumeMany(accountId, ['+14155551300', '+14155552400', '+14155553500', '+14155554600']);
  // (The two replicas' statements commit in either order: which two pass is theirs to decide.)
  expect(others.map((r) => (r.status === 'rejected' ? (r.reason as RateLimitedError).code : 'ok')).sort()).toEqual(['daily_quota_exceeded', 'daily_quota_exceeded', 'ok', 'ok']);
  const quota = (others.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as RateLimitedError;
  const nextDay = new Date();
  nextDay.setUTCHours(24, 0, 0, 0);
  expect(Math.abs(quota.retryAfterSeconds - (nextDay.getTime() - Date.now()) / 1000)).toBeLessThan(5);
});

it('counts a deployment-wide window (the OTP of a second) exactly across two replicas, in the limits\' statement', async () => {
  const { accountId } = await accounts.createWithKey(`otp-second-${randomUUID()}`);
  const window = { key: `otp:test-${randomUUID()}`, resetsAt: new Date(Date.now() + 60_000) };
  const numbers = Array.from({ length: 40 }, (_, i) => `+1415555${String(6000 + i)}`);
  const counts = await Promise.all(
    numbers.map(async (to, i) => {
      const replica = replicas[i % 2];
      return replica.consume(accountId, to, await replica.limitsOf(accountId), () => window);
    }),
  );
  // Each message saw its own place in the window, whichever replica counted it: 1 to 40, none twice.
  expect([...counts].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  // Without a window to count, nothing is returned.
  await expect(replicas[0].consume(accountId, '+14155556100', resolveLimits({}))).resolves.toBeUndefined();
});

it('sees an operator\'s change of the limits on the next read', async () => {
  const { accountId } = await accounts.createWithKey(`change-${randomUUID()}`);
  expect((await replicas[0].limitsOf(accountId)).otpPriority).toBe(false);
  await accounts.updateLimits(accountId, { otpPriority: true, allowedCountries: ['GB'] });
  expect(await replicas[1].limitsOf(accountId)).toMatchObject({ otpPriority: true, allowedCountries: ['GB'] });
  // null returns a setting to its default.
  await accounts.updateLimits(accountId, { allowedCountries: null });
  expect((await replicas[0].limitsOf(accountId)).allowedCountries).toBeNull();
  expect((await replicas[0].limitsOf(accountId)).otpPriority).toBe(true);
});

it('drops counters whose window has ended', async () => {
  const counters = new UsageCounterRepository(pools[0]);
  const key = `test:${randomUUID()}`;
  await counters.add([{ key, by: 2, expiresAt: new Date(Date.now() - 1000) }]);
  await counters.purgeExpired();
  expect(await dbs[0].query(`SELECT 1 FROM usage_counters WHERE key = $1`, [key])).toHaveLength(0);
});
