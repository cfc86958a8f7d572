// Endpoint health over the real stack: a tenant's endpoint that keeps failing turns unhealthy
// (visible in GET /v1/account/webhooks), its webhooks are held and probed one at a time instead
// of hammered, another tenant's webhooks meanwhile arrive at once, and when the endpoint answers
// again it is healthy and the held webhooks arrive, once each by event id, in order per message.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AccountRepository, openDatabase } from '@app/db';
import { testDatabaseUrl, testKms } from '../support/env';
import { destinationNumbers } from '../support/delivery-checks';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { grantSenders, TEST_SENDER_ID } from '../support/senders';

/** Senders used here (one place, should sender rules change). */
const SENDER = TEST_SENDER_ID;

interface Hook {
  at: number;
  end: number;
  body: { eventId: string; id: string; sequence: number; status: string };
  answered: number;
}
interface Receiver {
  url: string;
  hooks: Hook[];
  up: boolean;
  close(): Promise<void>;
}
interface EndpointView {
  url: string;
  health: string;
  lastSuccessAt: string | null;
  failingSince: string | null;
  unhealthySince: string | null;
  waiting: number;
}

async function receiver(up: boolean): Promise<Receiver> {
  const state: Receiver = { url: '', hooks: [], up, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let raw = '';
    const at = Date.now();
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const answered = state.up ? 204 : 503;
      // A slow answer, so sends that overlap would show.
      setTimeout(() => {
        state.hooks.push({ at, end: Date.now(), body: JSON.parse(raw) as Hook['body'], answered });
        res.writeHead(answered).end();
      }, 100);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

let stack: TestStack;
let down: Receiver;
let fine: Receiver;
const keys: Record<'a' | 'b', string> = { a: '', b: '' };
const numbers = destinationNumbers();

const as = async <T>(tenant: 'a' | 'b', method: string, route: string, body?: unknown) => {
  const res = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${keys[tenant]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
};
const send = async (tenant: 'a' | 'b', url: string) => {
  const res = await as<{ id: string }>(tenant, 'POST', '/v1/messages', { from: SENDER, to: numbers(1)[0], body: 'Your code is ready', statusCallbackUrl: url });
  expect(res.status).toBe(202);
  return res.body.id;
};
const endpointOf = async (tenant: 'a' | 'b', url: string) => (await as<{ endpoints: EndpointView[] }>(tenant, 'GET', '/v1/account/webhooks')).body.endpoints.find((e) => e.url === url);

beforeAll(async () => {
  [down, fine] = await Promise.all([receiver(false), receiver(true)]);
  // Unhealthy after 2 s of failures and probed every second here (30 min and 60 s by default).
  stack = await startTestStack({ worker: { WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_RETRY_MAX_MS: '400', WEBHOOK_UNHEALTHY_AFTER_SECONDS: '2', WEBHOOK_PROBE_SECONDS: '1' } });
  const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  const accounts = new AccountRepository(db);
  for (const name of ['a', 'b'] as const) {
    const tenant = await accounts.createWithKey(`webhook-health-${name}-${randomUUID()}`);
    await grantSenders(db, tenant.accountId, { senderIds: [SENDER] });
    keys[name] = tenant.apiKey;
  }
  await db.destroy();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([down?.close(), fine?.close()]);
});

it('marks a failing endpoint unhealthy, holds and probes its webhooks one at a time, never delays another tenant, and delivers the held ones in order on recovery', async () => {
  const messages = [await send('a', down.url), await send('a', down.url), await send('a', down.url)];
  const unhealthy = await eventually(async () => {
    const e = await endpointOf('a', down.url);
    return e?.health === 'unhealthy' ? e : undefined;
  }, 30_000, 'endpoint unhealthy');
  expect(unhealthy.failingSince).not.toBeNull();
  expect(unhealthy.unhealthySince).not.toBeNull();
  expect(unhealthy.lastSuccessAt).toBeNull();
  const held = await eventually(async () => {
    const res = await as<{ items: { status: string }[] }>('a', 'GET', '/v1/webhooks/deliveries?status=held');
    return res.body.items.length > 0 ? res.body.items : undefined;
  }, 15_000, 'held webhooks in the log');
  expect(held.every((d) => d.status === 'held')).toBe(true);

  // Held, not hammered: one probe at a time, about one a second.
  const from = down.hooks.length;
  const t0 = Date.now();
  // Meanwhile tenant B's webhooks arrive at once.
  const other = await send('b', fine.url);
  await eventually(async () => (fine.hooks.filter((h) => h.body.id === other).length === 3 ? true : undefined), 20_000, "tenant B's three status callbacks");
  await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - t0))));
  const probes = down.hooks.slice(from);
  expect(probes.length).toBeGreaterThan(0);
  expect(probes.length).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 1000) + 1);
  for (let i = 1; i < probes.length; i++) expect(probes[i].at).toBeGreaterThanOrEqual(probes[i - 1].end);
  expect((await endpointOf('b', fine.url))?.health).toBe('healthy');

  // Recovery: healthy again, and every held webhook delivered once, in order per message.
  down.up = true;
  await eventually(async () => {
    const res = await as<{ items: { status: string }[] }>('a', 'GET', '/v1/webhooks/deliveries');
    return res.body.items.length === 9 && res.body.items.every((d) => d.status === 'delivered') ? true : undefined;
  }, 30_000, "tenant A's nine webhooks delivered");
  expect(await endpointOf('a', down.url)).toMatchObject({ health: 'healthy', failingSince: null, unhealthySince: null, waiting: 0 });
  expect((await endpointOf('a', down.url))?.lastSuccessAt).not.toBeNull();
  const accepted = down.hooks.filter((h) => h.answered === 204);
  expect(new Set(accepted.map((h) => h.body.eventId)).size).toBe(9);
  expect(accepted).toHaveLength(9);
  for (const id of messages) expect(accepted.filter((h) => h.body.id === id).map((h) => h.body.status)).toEqual(['queued', 'submitted', 'delivered']);
}, 120_000);
