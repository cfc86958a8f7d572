// Routing engine through the real stack: operator APIs for carriers and routes.
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { AccountRepository, openDatabase } from '@app/db';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { testDatabaseUrl } from '../support/env';

let stack: TestStack;
let pg: PgClient;
let customerKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  const db = await openDatabase(testDatabaseUrl(), { poolSize: 2 });
  customerKey = (await new AccountRepository(db).createWithKey(`customer-${randomUUID()}`)).apiKey;
  await db.destroy();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

describe('carriers (operator API)', () => {
  it('lists carriers with their bind state', async () => {
    type Carrier = { id: string; bindState: string; enabled: boolean };
    // The worker records bind states once a second.
    const carriers = await eventually(async () => {
      const res = await stack.api<Carrier[]>('GET', '/v1/carriers');
      return res.status === 200 && res.body.every((c) => c.bindState === 'bound') ? res.body : undefined;
    });
    expect(carriers.map((c) => [c.id, c.bindState, c.enabled])).toEqual([
      ['alpha', 'bound', true],
      ['beta', 'bound', true],
    ]);
  });

  it('sets prices and a throughput limit, validating each field', async () => {
    const ok = await stack.api('PATCH', '/v1/carriers/beta', { costs: { US: 0.004, '*': 0.05 }, maxTps: 20 });
    expect(ok).toMatchObject({ status: 200, body: { id: 'beta', costs: { US: 0.004, '*': 0.05 }, maxTps: 20 } });
    const badCountry = await stack.api('PATCH', '/v1/carriers/beta', { costs: { usa: 1 } });
    expect(badCountry).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'costs.usa' }) } });
    const badTps = await stack.api('PATCH', '/v1/carriers/beta', { maxTps: 0 });
    expect(badTps).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'maxTps' }) } });
    expect((await stack.api('PATCH', '/v1/carriers/nope', { enabled: false })).status).toBe(404);
    const unchanged = await stack.api<{ costs: Record<string, number> }>('GET', '/v1/carriers/beta');
    expect(unchanged.body.costs).toEqual({ US: 0.004, '*': 0.05 });
  });

  it('refuses a key without the operator scope', async () => {
    const res = await stack.api('GET', '/v1/carriers', undefined, { authorization: `Bearer ${customerKey}` });
    expect(res).toEqual({ status: 403, body: { error: { code: 'insufficient_scope', message: expect.any(String) } } });
  });
});
