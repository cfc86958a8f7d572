// Webhooks you can trust, over the real stack: a receiver that fails the first tries of every
// event, with the worker stopped and started again meanwhile, gets each event (status callbacks
// of two messages, inbound webhooks of one conversation) accepted exactly once by event id, in
// sequence order per message and per conversation, every request signed; the delivery log shows
// the failed and the successful tries; a replay of the range delivers the same event ids again.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import { AccountRepository, openDatabase } from '@app/db';
import { verifyWebhookSignature } from '@app/egress';
import { testDatabaseUrl, testKms } from '../support/env';
import { destinationNumbers } from '../support/delivery-checks';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { grantSenders, TEST_SENDER_ID } from '../support/senders';

/** Senders used here (one place, should sender rules change). */
const SENDER = TEST_SENDER_ID;
/** Every event is refused this many times (HTTP 503) before the receiver takes it. */
const FAIL_FIRST = 2;

interface Request {
  at: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { type: string; eventId: string; id: string; sequence: number; conversationId?: string; status?: string };
  answered: number;
}
interface DeliveryTry {
  httpStatus: number | null;
  outcome: string;
  latencyMs: number;
  nextRetryAt: string | null;
  error: string | null;
}
interface Delivery {
  eventId: string;
  type: string;
  status: string;
  sequence: number;
  messageId: string | null;
  attempts: DeliveryTry[];
}

let stack: TestStack;
let receiver: http.Server;
let base: string;
let key: string;
let secret: string;
const requests: Request[] = [];
const numbers = destinationNumbers();
const ours = `+1415${randomInt(2_000_000, 9_999_999)}`;
const subscriber = `+447400${randomInt(100_000, 999_999)}`;

const as = async <T>(method: string, route: string, body?: unknown) => {
  const res = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
};
const accepted = () => requests.filter((r) => r.answered < 300);

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Request['body'];
      const seen = requests.filter((r) => r.body.eventId === body.eventId).length;
      const answered = seen < FAIL_FIRST ? 503 : 204;
      requests.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, raw, body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Retries 1.5 s doubling to 5 s here (2 s to 10 min by default), so a restart falls amid them.
  stack = await startTestStack({ worker: { WEBHOOK_RETRY_BASE_MS: '1500', WEBHOOK_RETRY_MAX_MS: '5000' } });
  const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  const { accountId, apiKey } = await new AccountRepository(db).createWithKey(`webhook-delivery-${randomUUID()}`, 'default', ['messages']);
  await grantSenders(db, accountId, { senderIds: [SENDER] });
  await db.destroy();
  key = apiKey;
  expect((await stack.api('POST', '/v1/numbers', { number: ours, accountId })).status).toBe(201);
  expect((await as('PUT', '/v1/account/webhooks', { inboundUrl: `${base}/inbound` })).status).toBe(200);
  const rotated = await as<{ secret: string }>('POST', '/v1/account/webhook-secret/rotate', { overlapSeconds: 0 });
  expect(rotated.status).toBe(200);
  secret = rotated.body.secret;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

it('delivers every event once by event id, in sequence order, across a worker restart, signed, with every try in the log; a replay re-sends the same event ids', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const messageIds: string[] = [];
  for (const to of numbers(2)) {
    const res = await as<{ id: string }>('POST', '/v1/messages', { from: SENDER, to, body: 'Your parcel is on its way', statusCallbackUrl: `${base}/status` });
    expect(res.status).toBe(202);
    messageIds.push(res.body.id);
  }
  await stack.sim('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text: 'Can it come on Tuesday?' });
  await eventually(async () => (requests.some((r) => r.body.type === 'message.inbound') ? true : undefined), 30_000, 'first MO at the receiver');
  await stack.sim('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text: 'Afternoon, please.' });

  // A restart amid the retries: stopped once the first refusals are in.
  await eventually(async () => (requests.filter((r) => r.answered === 503).length >= 3 ? true : undefined), 30_000, 'first refused tries');
  await stack.processes.worker.stop();
  const restartedAt = Date.now();
  await stack.startWorker();

  // 2 messages × (queued, submitted, delivered) + 2 MOs.
  const log = await eventually(
    async () => {
      const res = await as<{ items: Delivery[] }>('GET', `/v1/webhooks/deliveries?since=${encodeURIComponent(since)}&limit=100`);
      return res.body.items.length === 8 && res.body.items.every((d) => d.status === 'delivered') ? res.body.items : undefined;
    },
    120_000,
    'all 8 webhooks delivered',
  );
  expect(accepted().some((r) => r.at > restartedAt)).toBe(true);
  expect(requests.some((r) => r.at < restartedAt && r.answered === 503)).toBe(true);

  // Signed, the event id in header and body.
  for (const r of requests) {
    expect(verifyWebhookSignature(String(r.headers['x-signature']), r.raw, secret)).toBe(true);
    expect(r.headers['x-event-id']).toBe(r.body.eventId);
    expect(r.headers['x-event-type']).toBe(r.body.type);
  }
  // Once each, by event id: the ones in the log, no other.
  const acceptedIds = accepted().map((r) => r.body.eventId);
  expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
  expect([...acceptedIds].sort()).toEqual(log.map((d) => d.eventId).sort());

  // In order: each event of a message (or conversation) tried only after the one before was taken.
  const chains = new Map<string, Request[]>();
  for (const r of requests) {
    const chain = r.body.type === 'message.status' ? r.body.id : String(r.body.conversationId);
    chains.set(chain, [...(chains.get(chain) ?? []), r]);
  }
  expect(chains.size).toBe(3);
  expect(messageIds.every((id) => chains.has(id))).toBe(true);
  for (const [chain, list] of chains) {
    const expected = messageIds.includes(chain) ? [1, 2, 3] : [1, 2];
    expect(list.filter((r) => r.answered < 300).map((r) => r.body.sequence)).toEqual(expected);
    for (let i = 1; i < list.length; i++) expect(list[i].body.sequence).toBeGreaterThanOrEqual(list[i - 1].body.sequence);
    if (messageIds.includes(chain)) expect(list.filter((r) => r.answered < 300).map((r) => r.body.status)).toEqual(['queued', 'submitted', 'delivered']);
  }
  expect(requests.filter((r) => r.body.type === 'message.status').every((r) => r.path === '/status')).toBe(true);
  expect(requests.filter((r) => r.body.type === 'message.inbound').every((r) => r.path === '/inbound')).toBe(true);

  // The delivery log: the refused tries (with their next retry) and the successful one, per event.
  for (const d of log) {
    expect(d.attempts.map((t) => [t.outcome, t.httpStatus])).toEqual([...Array(FAIL_FIRST).fill(['retrying', 503]), ['delivered', 204]]);
    const label = d.type === 'message.status' ? 'status callback' : 'inbound webhook';
    expect(d.attempts.slice(0, FAIL_FIRST).every((t) => t.nextRetryAt !== null && t.error === `${label} answered HTTP 5xx`)).toBe(true);
    expect(d.attempts.every((t) => t.latencyMs >= 0)).toBe(true);
    expect(requests.filter((r) => r.body.eventId === d.eventId)).toHaveLength(FAIL_FIRST + 1);
  }
  const statusOnly = await as<{ items: Delivery[] }>('GET', `/v1/webhooks/deliveries?since=${encodeURIComponent(since)}&type=message.status`);
  expect(statusOnly.body.items).toHaveLength(6);
  const settings = await as<{ endpoints: { url: string; health: string; lastSuccessAt: string | null; failingSince: string | null }[] }>('GET', '/v1/account/webhooks');
  expect(settings.body.endpoints.map((e) => [e.url, e.health, e.failingSince]).sort()).toEqual([
    [`${base}/inbound`, 'healthy', null],
    [`${base}/status`, 'healthy', null],
  ]);

  // A replay of the range: the status callbacks again, under the same event ids, in order.
  expect((await as('POST', '/v1/webhooks/replay', { since, until: since })).status).toBe(400);
  const before = requests.length;
  const replay = await as<{ replayed: number }>('POST', '/v1/webhooks/replay', { since, until: new Date(Date.now() + 1000).toISOString(), types: ['message.status'] });
  expect(replay).toEqual({ status: 202, body: { replayed: 6 } });
  await eventually(async () => (requests.length - before >= 6 ? true : undefined), 30_000, 'replayed webhooks');
  const replayed = requests.slice(before);
  expect(replayed.every((r) => r.answered === 204 && verifyWebhookSignature(String(r.headers['x-signature']), r.raw, secret))).toBe(true);
  expect(replayed.map((r) => r.body.eventId).sort()).toEqual(statusOnly.body.items.map((d) => d.eventId).sort());
  for (const id of messageIds) expect(replayed.filter((r) => r.body.id === id).map((r) => r.body.sequence)).toEqual([1, 2, 3]);
  const after = await eventually(async () => {
    const res = await as<{ items: Delivery[] }>('GET', `/v1/webhooks/deliveries?since=${encodeURIComponent(since)}&type=message.status&status=delivered`);
    return res.body.items.length === 6 && res.body.items.every((d) => d.attempts.length === FAIL_FIRST + 2) ? res.body.items : undefined;
  }, 15_000, 'replays in the log');
  expect(after.every((d) => d.attempts[FAIL_FIRST + 1].outcome === 'delivered')).toBe(true);
}, 240_000);
