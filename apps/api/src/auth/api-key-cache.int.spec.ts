// The key cache saves the key lookup per request, yet a revocation or a limit change made
// anywhere (another replica, the CLI, psql) applies on the next request of every replica.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountRepository, openDatabase } from '@app/db';
import { eventually } from '../../../../test/support/stack';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { ApiKeyCache } from './api-key-cache';

let db: DataSource;
let accounts: AccountRepository;
let lookups = 0;
const replicas: ApiKeyCache[] = [];

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4, applicationName: 'key-cache-spec' });
  accounts = new AccountRepository(db);
  const counting = { authenticate: (key: string) => ((lookups += 1), accounts.authenticate(key)), touchKeys: (ids: string[]) => accounts.touchKeys(ids) };
  for (let i = 0; i < 2; i += 1) {
    const cache = new ApiKeyCache(counting, { ttlMs: 60_000 });
    await cache.listen({ databaseUrl: testDatabaseUrl() }, () => undefined);
    replicas.push(cache);
  }
});
afterAll(async () => {
  await Promise.all(replicas.map((c) => c.close()));
  await db?.destroy();
});

it('reads a key once per replica, then answers from memory', async () => {
  const { apiKey, accountId } = await accounts.createWithKey(`key-cache-${randomUUID()}`);
  lookups = 0;
  for (let i = 0; i < 5; i += 1) for (const cache of replicas) expect((await cache.authenticate(apiKey))?.accountId).toBe(accountId);
  expect(lookups).toBe(2);
});

it('drops a revoked key on every replica as soon as the change is announced', async () => {
  const { apiKey, keyId } = await accounts.createWithKey(`key-cache-revoke-${randomUUID()}`);
  for (const cache of replicas) expect(await cache.authenticate(apiKey)).not.toBeNull();
  await db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [keyId]);
  for (const cache of replicas) await eventually(async () => ((await cache.authenticate(apiKey)) === null ? true : undefined), 3_000, 'revocation seen');
});

it('reads an account limit change at once', async () => {
  const { apiKey, accountId } = await accounts.createWithKey(`key-cache-limits-${randomUUID()}`);
  const before = await replicas[0].authenticate(apiKey);
  await accounts.updateLimits(accountId, { requestsPerSecond: before!.limits.requestsPerSecond + 7 });
  await eventually(async () => ((await replicas[0].authenticate(apiKey))?.limits.requestsPerSecond === before!.limits.requestsPerSecond + 7 ? true : undefined), 3_000, 'new limit seen');
});

it('does not keep wrong keys', async () => {
  lookups = 0;
  expect(await replicas[0].authenticate('sk_live_not-a-key')).toBeNull();
  expect(await replicas[0].authenticate('sk_live_not-a-key')).toBeNull();
  expect(lookups).toBe(2);
});
