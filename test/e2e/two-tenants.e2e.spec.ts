// Two tenants on one stack: B's bad or slow traffic (NUL text, a slow status-callback receiver,
// a backlog of failing callbacks, a callback URL the worker may not call, a bind storm) must leave C's sends, receipts and callbacks within
// their normal latency. C's figures are measured once on a quiet stack, then again while B
// misbehaves, and compared.
import http from 'node:http';
import net from 'node:net';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { freePort } from '@app/config';
import { AccountRepository, openDatabase } from '@app/db';
import { grantSenders } from '../support/senders';
import { startCallbackReceiver } from '../support/callback-receiver';
import { destinationNumbers } from '../support/delivery-checks';
import { connectEsme, Esme } from '../support/esme';
import { testDatabaseUrl, testKms } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

const ESME_ROK = 0x00;
const ESME_RINVMSGLEN = 0x01;
// B's bind storm comes from addresses of its own (lockouts are kept in PostgreSQL, which the
// suites share): cleared after the suite.
const IDLE_FROM = '127.0.0.122';
const GUESSES_FROM = '127.0.0.123';

interface Tenant {
  accountId: string;
  key: string;
}
interface Credential {
  systemId: string;
  password: string;
}
interface MessageView {
  id: string;
  status: string;
  events: { type: string; detail?: Record<string, unknown> | null }[];
}

let stack: TestStack;
let pg: PgClient;
let b: Tenant;
let c: Tenant;
const open: Esme[] = [];
const numbers = destinationNumbers();

beforeAll(async () => {
  // The API allows the name `localhost` for callbacks and the worker does not: what a URL
  // that passed validation but resolves to a refused address at send time looks like (DNS
  // changed, or the operator narrowed the allowlist since).
  stack = await startTestStack({ api: { EGRESS_ALLOW_HOSTS: '127.0.0.1,localhost' }, worker: { STATUS_CALLBACK_TIMEOUT_MS: '20000' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  const accounts = new AccountRepository(db);
  const make = async (name: string): Promise<Tenant> => {
    const { accountId, apiKey } = await accounts.createWithKey(`${name}-${randomUUID()}`, 'default', ['messages', 'smpp']);
    await grantSenders(db, accountId);
    return { accountId, key: apiKey };
  };
  b = await make('tenant-b');
  c = await make('tenant-c');
  await db.destroy();
  // B sends volume to consecutive numbers: an operator lets it (the velocity rules would refuse most).
  const volume = { perNumberPerMinute: 1_000_000, perNumberPerHour: 1_000_000, perPrefixPerMinute: 1_000_000, dailyMessages: 1_000_000 };
  expect((await stack.api('PATCH', `/v1/accounts/${b.accountId}/limits`, volume)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  for (const esme of open.splice(0)) await esme.close();
  await pg?.query(`DELETE FROM smpp_bind_failures WHERE key = ANY($1) OR key IN (SELECT 'sid:' || system_id FROM smpp_credentials WHERE account_id = $2)`, [[`ip:${IDLE_FROM}`, `ip:${GUESSES_FROM}`], b?.accountId]);
  await pg?.end();
  await stack?.stop();
});

const as = <T>(tenant: Tenant, method: string, route: string, body?: unknown) => stack.api<T>(method, route, body, { authorization: `Bearer ${tenant.key}` });
const getMessage = async (tenant: Tenant, id: string) => (await as<MessageView>(tenant, 'GET', `/v1/messages/${id}`)).body;

async function credentialOf(tenant: Tenant): Promise<Credential> {
  const res = await as<Credential>(tenant, 'POST', '/v1/smpp/credentials', {});
  expect(res.status).toBe(201);
  return res.body;
}

async function bind(cred: Credential): Promise<{ esme: Esme; ms: number }> {
  const started = performance.now();
  const esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.systemId, password: cred.password });
  const ms = performance.now() - started;
  open.push(esme);
  expect(esme.bindStatus).toBe(ESME_ROK);
  return { esme, ms };
}

const submitParams = (to: string, shortMessage: Buffer, dataCoding = 0) => ({
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: 'Acme',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: to.replace('+', ''),
  registered_delivery: 1,
  data_coding: dataCoding,
  short_message: shortMessage,
});

const p95 = (values: number[]) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * 0.95))];

interface Figures {
  accept: number[];
  final: number[];
  callback: number[];
  submitResp: number[];
  receipt: number[];
  bind: number[];
}

/**
 * What C sees: REST sends with a status callback (accept, accept → final, accept → the
 * `delivered` callback), binds, and SMPP submits with their receipts as deliver_sm.
 */
async function measureTenantC(rounds: number): Promise<Figures> {
  const figures: Figures = { accept: [], final: [], callback: [], submitResp: [], receipt: [], bind: [] };
  const receiver = await startCallbackReceiver<{ id: string; status: string }>();
  const cred = await credentialOf(c);
  try {
    const { esme, ms } = await bind(cred);
    figures.bind.push(ms);
    for (let i = 0; i < rounds; i++) {
      const [to, smppTo] = numbers(2);
      const sentAt = performance.now();
      const res = await as<{ id: string }>(c, 'POST', '/v1/messages', { to, from: 'Acme', body: `c rest ${i}`, statusCallbackUrl: receiver.url });
      figures.accept.push(performance.now() - sentAt);
      expect(res.status).toBe(202);
      const id = res.body.id;

      const submittedAt = performance.now();
      const resp = await esme.request('submit_sm', submitParams(smppTo, Buffer.from(`c smpp ${i}`)));
      figures.submitResp.push(performance.now() - submittedAt);
      expect(resp.command_status).toBe(ESME_ROK);

      await eventually(async () => ((await getMessage(c, id)).status === 'delivered' ? true : undefined), 30_000, `C's message ${id} delivered`);
      figures.final.push(performance.now() - sentAt);
      await eventually(async () => (receiver.received.some((r) => r.id === id && r.status === 'delivered') ? true : undefined), 30_000, `C's callback for ${id}`);
      figures.callback.push(performance.now() - sentAt);
      await esme.waitForDeliveries(i + 1, 30_000);
      figures.receipt.push(performance.now() - submittedAt);
    }
    for (let i = 0; i < 3; i++) {
      const again = await bind(cred);
      figures.bind.push(again.ms);
      await again.esme.close();
    }
  } finally {
    await receiver.close();
  }
  return figures;
}

/** B's bind storm: idle TCP connections from one address, wrong passwords from another. */
async function bindStorm(cred: Credential): Promise<() => Promise<number>> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < 150; i++) {
    const socket = net.connect({ host: '127.0.0.1', port: stack.smppGateway.port, localAddress: IDLE_FROM });
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  let stopped = false;
  let bound = 0;
  // 32 connections guessing at once, each guessing again until stopped.
  const guesses = Promise.all(
    Array.from({ length: 32 }, async (_, n) => {
      for (let i = 0; !stopped; i++) {
        const guess = await connectEsme({ port: stack.smppGateway.port, systemId: cred.systemId, password: `guess-${n}-${i}`, localAddress: GUESSES_FROM }).catch(() => undefined);
        if (guess?.bindStatus === ESME_ROK) bound += 1;
        await guess?.close().catch(() => undefined);
        if (!guess) await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  /** Stops the storm; resolves to the number of guesses that bound (none should). */
  return async () => {
    stopped = true;
    for (const socket of sockets) socket.destroy();
    await Promise.race([guesses, new Promise((r) => setTimeout(r, 20_000))]);
    return bound;
  };
}

/** A status-callback receiver that holds every request without answering until closed. */
async function startSlowReceiver(): Promise<{ url: string; hits: () => number; firstHitAt: () => number; close(): Promise<void> }> {
  let hits = 0;
  let firstHitAt = 0;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    hits += 1;
    firstHitAt ||= performance.now();
    req.resume();
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    hits: () => hits,
    firstHitAt: () => firstHitAt,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('two tenants on one stack', () => {
  it('a NUL in B\u2019s UCS-2 submit fails only B\u2019s submit, even when both land in one insert', async () => {
    const [bEsme, cEsme] = [(await bind(await credentialOf(b))).esme, (await bind(await credentialOf(c))).esme];
    const nul = Buffer.from([0x00, 0x48, 0x00, 0x00, 0x00, 0x69]); // "H\u0000i" in UCS-2
    for (let round = 0; round < 10; round++) {
      const [bTo, cTo] = numbers(2);
      // Sent in the same event-loop turn so the gateway writes them in one batch.
      const [bResp, cResp] = await Promise.all([
        bEsme.request('submit_sm', submitParams(bTo, nul, 0x08)),
        cEsme.request('submit_sm', submitParams(cTo, Buffer.from(`valid ${round}`))),
      ]);
      expect([bResp.command_status, cResp.command_status]).toEqual([ESME_RINVMSGLEN, ESME_ROK]);
      const stored = await pg.query(`SELECT account_id, to_number FROM messages WHERE to_number = ANY($1::text[])`, [[bTo, cTo]]);
      expect(stored.rows).toEqual([{ account_id: c.accountId, to_number: cTo }]);
    }
    await cEsme.waitForDeliveries(10, 60_000);
  });

  it('a callback URL the worker may not call is refused at connect time: the message is delivered, nothing is called, the tenant sees a coarse reason', async () => {
    const receiver = await startCallbackReceiver();
    try {
      const port = new URL(receiver.url).port;
      const [to] = numbers(1);
      const res = await as<{ id: string }>(c, 'POST', '/v1/messages', { to, from: 'Acme', body: 'egress at send time', statusCallbackUrl: `http://localhost:${port}/status` });
      expect(res.status).toBe(202);
      const failed = await eventually(async () => {
        const m = await getMessage(c, res.body.id);
        return m.status === 'delivered' && m.events.some((e) => e.type === 'callback_failed') ? m : undefined;
      }, 30_000, 'the callback refused at send time');
      const refusal = failed.events.find((e) => e.type === 'callback_failed')!;
      expect(JSON.stringify(refusal.detail)).toContain('status callback URL refused');
      expect(failed.events.some((e) => e.type === 'callback_delivered')).toBe(false);
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('B\u2019s slow callback receiver, bind storm and bad traffic leave C\u2019s sends, receipts, callbacks and binds within their normal latency', async () => {
    const rounds = 8;
    const quiet = await measureTenantC(rounds);

    // B: a callback receiver that never answers (each call waits for the 20 s timeout), a
    // stream of B's sends pointing at it, and NUL submits over SMPP throughout.
    const slow = await startSlowReceiver();
    const bCred = await credentialOf(b);
    const bEsme = (await bind(bCred)).esme;
    const stopStorm = await bindStorm(bCred);
    let stop = false;
    const bTraffic = (async () => {
      const nul = Buffer.from([0x00, 0x00]);
      while (!stop) {
        const batch = numbers(20).map((to, i) => ({ to, from: 'Acme', body: `b ${i}`, statusCallbackUrl: slow.url }));
        const res = await as<{ accepted: number }>(b, 'POST', '/v1/messages/batch', { messages: batch });
        expect(res.status).toBe(202);
        const [to] = numbers(1);
        expect((await bEsme.request('submit_sm', submitParams(to, nul, 0x08))).command_status).toBe(ESME_RINVMSGLEN);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      // B's callbacks are stuck on its receiver before C starts measuring.
      await eventually(async () => (slow.hits() >= 4 ? true : undefined), 30_000, 'B\u2019s callbacks reaching the slow receiver');
      const busy = await measureTenantC(rounds);
      const report = (name: keyof Figures) => ({ figure: name, quietP95: Math.round(p95(quiet[name])), busyP95: Math.round(p95(busy[name])) });
      const figures = (Object.keys(quiet) as (keyof Figures)[]).map(report);
      // "Normal" on a shared two-core machine: B's load costs some CPU, so allow three times the
      // quiet p95 plus a margin of 2 s; a queue behind B's callbacks would cost at least the 20 s
      // timeout. (A margin of 0.5 s failed once in a full CI run: submit_sm_resp p95 580 ms against
      // 560, with every other suite of the run sharing the two cores.)
      for (const f of figures) {
        expect({ ...f, within: f.busyP95 <= 3 * f.quietP95 + 2_000 }).toEqual({ ...f, within: true });
      }
      // B's callbacks were held: at most four in flight for B, each for the 20 s timeout,
      // the rest wait their turn.
      const heldFor = performance.now() - slow.firstHitAt();
      expect(slow.hits()).toBeLessThanOrEqual(4 * (Math.floor(heldFor / 20_000) + 1));
    } finally {
      expect(await stopStorm()).toBe(0);
      stop = true;
      await bTraffic;
      await slow.close();
    }
  }, 240_000);
  it('a backlog of B\u2019s failing callbacks (its endpoint is gone; each call fails at once and is retried) leaves C\u2019s callbacks prompt', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}/gone`;
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await as<{ results: { id?: string }[] }>(b, 'POST', '/v1/messages/batch', { messages: numbers(20).map((to) => ({ to, from: 'Acme', body: 'b', statusCallbackUrl: deadUrl })) });
      expect(res.status).toBe(202);
      expect(res.body.results.every((r) => r.id)).toBe(true);
      sent.push(...res.body.results.map((r) => r.id!));
    }
    // B's messages final, and their callbacks failing and retried.
    await eventually(async () => {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status = 'delivered'`, [sent]);
      return rows[0].n === sent.length ? true : undefined;
    }, 60_000, 'B\u2019s 400 messages delivered');
    const receiver = await startCallbackReceiver<{ id: string; status: string }>();
    try {
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [to] = numbers(1);
        const res = await as<{ id: string }>(c, 'POST', '/v1/messages', { to, from: 'Acme', body: `c ${i}`, statusCallbackUrl: receiver.url });
        expect(res.status).toBe(202);
        await eventually(async () => ((await getMessage(c, res.body.id)).status === 'delivered' ? true : undefined), 30_000, 'C\u2019s message delivered');
        const deliveredAt = performance.now();
        await eventually(async () => (receiver.received.some((r) => r.id === res.body.id && r.status === 'delivered') ? true : undefined), 30_000, 'C\u2019s callback');
        waits.push(performance.now() - deliveredAt);
      }
      // Quiet, a callback follows its status change within a few hundred ms.
      expect(Math.max(...waits)).toBeLessThan(3000);
    } finally {
      await receiver.close();
    }
  }, 180_000);
});
