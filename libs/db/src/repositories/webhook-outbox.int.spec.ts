// The webhook outbox against a real PostgreSQL: a conversation's (or message's) webhooks leave
// in order, a later one never before an earlier one still being retried; each account gets a
// bounded share of a lease; an endpoint failing for long turns unhealthy, its webhooks are held
// and probed one at a time until it answers; every try lands in the delivery log; a replay
// queues finished webhooks again under their event ids.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { DueCallback, EndpointHealthPolicy, StatusCallbackRepository } from './status-callbacks';
import { decodeDeliveryCursor, WebhookLogRepository } from './webhook-log.repository';

let db: DataSource;
let outbox: StatusCallbackRepository;
let log: WebhookLogRepository;
let accounts: AccountRepository;

const HEALTHY: EndpointHealthPolicy = { unhealthyAfterMs: 3600_000, probeIntervalMs: 60_000, giveUpAfterMs: 24 * 3600_000 };
const retry = { kind: 'retry' as const, httpStatus: 503, error: 'answered HTTP 5xx', backoffMs: 0 };
const delivered = { kind: 'delivered' as const, httpStatus: 204 };

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  outbox = new StatusCallbackRepository(db);
  log = new WebhookLogRepository(db);
  accounts = new AccountRepository(db);
});
afterAll(async () => {
  await db?.destroy();
});

const newAccount = async () => (await accounts.createWithKey(`webhooks-${randomUUID()}`)).accountId;

/** Queues an inbound webhook of `conversation` (its order key) to `url`; answers its outbox id. */
async function queue(accountId: string, conversation: string, sequence: number, url = 'https://hooks.example.com/in'): Promise<string> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO status_callbacks (message_id, account_id, url, status, payload, kind) VALUES (NULL, $1, $2, 'inbound', $3, 'inbound') RETURNING id`,
    [accountId, url, JSON.stringify({ type: 'message.inbound', conversationId: conversation, sequence })],
  );
  return String(rows[0].id);
}

/** Leases what is due, and keeps this account's webhooks only (the test database is shared). */
async function lease(accountId: string, perAccount = 4, inFlight = new Map<string, number>()): Promise<DueCallback[]> {
  return (await outbox.lease(1000, 60_000, perAccount, inFlight)).filter((c) => c.accountId === accountId);
}
const seqs = (due: DueCallback[]) => due.map((c) => `${(c.payload as { conversationId: string }).conversationId.slice(0, 1)}${(c.payload as { sequence: number }).sequence}`);

it('keeps each conversation in order: a later webhook waits while an earlier one is retried', async () => {
  const account = await newAccount();
  const a = `a-${randomUUID()}`;
  const b = `b-${randomUUID()}`;
  await queue(account, a, 1);
  await queue(account, a, 2);
  await queue(account, b, 1);
  const first = await lease(account);
  expect(seqs(first)).toEqual(['a1', 'b1']);
  expect(await outbox.recordTry(first[0], retry, 12, HEALTHY)).toBe('retrying');
  expect(await outbox.recordTry(first[1], delivered, 8, HEALTHY)).toBe('delivered');
  // a1 is due again at once (backoff 0 here); a2 still waits behind it.
  const second = await lease(account);
  expect(seqs(second)).toEqual(['a1']);
  expect(second[0].tries).toBe(1);
  expect(await outbox.recordTry(second[0], delivered, 9, HEALTHY)).toBe('delivered');
  expect(seqs(await lease(account))).toEqual(['a2']);
  expect(await lease(account)).toEqual([]); // leased: not due again before the lease runs out
});

it('gives each account at most its share, less what it has in flight', async () => {
  const busy = await newAccount();
  const other = await newAccount();
  for (let i = 0; i < 6; i++) await queue(busy, `c${i}-${randomUUID()}`, 1);
  await queue(other, `o-${randomUUID()}`, 1);
  const leased = await outbox.lease(1000, 60_000, 4, new Map([[busy, 1]]));
  expect(leased.filter((c) => c.accountId === busy)).toHaveLength(3);
  expect(leased.filter((c) => c.accountId === other)).toHaveLength(1);
});

it('marks an endpoint failing for long unhealthy, holds its webhooks, probes one at a time, and sends the rest once it answers', async () => {
  const account = await newAccount();
  const url = `https://down-${randomUUID().slice(0, 8)}.example.com/hooks`;
  const healthyUrl = 'https://up.example.com/hooks';
  // Unhealthy at the first failure, probed again at once: the states without waiting.
  const strict: EndpointHealthPolicy = { unhealthyAfterMs: 0, probeIntervalMs: 0, giveUpAfterMs: 1000 };
  for (let i = 1; i <= 3; i++) await queue(account, `x${i}-${randomUUID()}`, 1, url);
  await queue(account, `y-${randomUUID()}`, 1, healthyUrl);
  const all = await lease(account);
  expect(all).toHaveLength(4);
  const down = all.filter((c) => c.url === url);
  expect(await outbox.recordTry(down[0], retry, 30, strict)).toBe('held');
  expect(await outbox.recordTry(all.find((c) => c.url === healthyUrl)!, delivered, 5, strict)).toBe('delivered');
  // Held webhooks are kept past their retry window: never given up while held.
  await db.query(`UPDATE status_callbacks SET queued_at = now() - interval '2 days' WHERE url = $1`, [url]);
  expect(await outbox.recordTry(down[1], retry, 30, strict)).toBe('held');
  expect(await outbox.recordTry(down[2], { kind: 'retry', httpStatus: null, error: 'endpoint unreachable', backoffMs: 0 }, 30, strict)).toBe('held');

  const [endpoint] = (await log.endpoints(account, 10)).filter((e) => e.url === url);
  expect(endpoint).toMatchObject({ health: 'unhealthy', lastSuccessAt: null, waiting: 3 });
  expect(endpoint.failingSince).toBeInstanceOf(Date);
  expect(endpoint.unhealthySince).toBeInstanceOf(Date);
  expect((await log.endpoints(account, 10)).find((e) => e.url === healthyUrl)).toMatchObject({ health: 'healthy', failingSince: null, waiting: 0 });
  const heldList = await log.deliveries(account, { status: 'held' }, 10, null);
  expect(heldList.items).toHaveLength(3);

  // One probe at a time: the oldest held webhook; none while it is out.
  const probe = await lease(account);
  expect(probe.map((c) => c.id)).toEqual([down[0].id]);
  expect(await lease(account)).toEqual([]);
  expect(await outbox.recordTry(probe[0], retry, 30, strict)).toBe('held');
  const probe2 = await lease(account);
  expect(probe2.map((c) => c.id)).toEqual([down[0].id]);
  expect(await outbox.recordTry(probe2[0], delivered, 7, strict)).toBe('delivered');
  expect((await log.endpoints(account, 10)).find((e) => e.url === url)).toMatchObject({ health: 'healthy', failingSince: null, unhealthySince: null, waiting: 2 });
  expect((await lease(account)).map((c) => c.id).sort()).toEqual([down[1].id, down[2].id].sort());
});

it('gives up a webhook of a healthy endpoint after its retry window, and a final 4xx at once', async () => {
  const account = await newAccount();
  await queue(account, `g-${randomUUID()}`, 1, 'https://flaky.example.com/a');
  await queue(account, `h-${randomUUID()}`, 1, 'https://gone.example.com/b');
  const [old, gone] = await lease(account);
  await db.query(`UPDATE status_callbacks SET queued_at = now() - interval '25 hours' WHERE id = $1`, [old.id]);
  expect(await outbox.recordTry({ ...old, queuedAt: new Date(Date.now() - 25 * 3600_000) }, retry, 10, HEALTHY)).toBe('failed');
  expect(await outbox.recordTry(gone, { kind: 'final', httpStatus: 410, error: 'answered HTTP 4xx' }, 10, HEALTHY)).toBe('failed');
  const failed = await log.deliveries(account, { status: 'failed' }, 10, null);
  expect(failed.items.map((d) => d.lastError).sort()).toEqual(['answered HTTP 4xx', 'answered HTTP 5xx; retried for 24 h']);
});

it('logs every try, pages the log, and replays a range under the original event ids', async () => {
  const account = await newAccount();
  const conversation = `r-${randomUUID()}`;
  const before = new Date(Date.now() - 1000);
  for (let seq = 1; seq <= 3; seq++) await queue(account, conversation, seq);
  for (let round = 0; round < 4; round++) {
    for (const c of await lease(account)) await outbox.recordTry(c, round === 0 ? retry : delivered, 20, HEALTHY);
  }
  const page1 = await log.deliveries(account, {}, 2, null);
  expect(page1.items.map((d) => d.sequence)).toEqual([3, 2]);
  expect(page1.nextCursor).not.toBeNull();
  const page2 = await log.deliveries(account, {}, 2, decodeDeliveryCursor(page1.nextCursor!));
  expect(page2.items.map((d) => d.sequence)).toEqual([1]);
  expect(page2.nextCursor).toBeNull();
  const first = page2.items[0];
  expect(first).toMatchObject({ status: 'delivered', tries: 2, type: 'message.inbound' });
  expect(first.attempts).toMatchObject([
    { httpStatus: 503, error: 'answered HTTP 5xx', outcome: 'retrying', latencyMs: 20 },
    { httpStatus: 204, error: null, outcome: 'delivered', nextRetryAt: null },
  ]);
  expect(first.attempts[0].nextRetryAt).toBeInstanceOf(Date);
  expect((await log.deliveries(account, { type: 'message.status' }, 10, null)).items).toEqual([]);

  const eventIds = [...page1.items, ...page2.items].map((d) => d.eventId).sort();
  expect(await log.replay(account, before, new Date(Date.now() + 1000), ['message.status'])).toBe(0);
  expect(await log.replay(account, before, new Date(Date.now() + 1000), ['message.inbound'])).toBe(3);
  const again = await lease(account);
  expect(seqs(again)).toEqual(['r1']); // in order again
  expect(again.map((c) => c.eventId)).toEqual([page2.items[0].eventId]);
  const replayed = [again[0]];
  await outbox.recordTry(again[0], delivered, 5, HEALTHY);
  for (let i = 0; i < 2; i++) {
    for (const c of await lease(account)) {
      replayed.push(c);
      await outbox.recordTry(c, delivered, 5, HEALTHY);
    }
  }
  expect(replayed.map((c) => c.eventId).sort()).toEqual(eventIds);
  expect((await log.deliveries(account, { status: 'delivered' }, 10, null)).items.map((d) => d.attempts.length)).toEqual([2, 2, 3]);
});
