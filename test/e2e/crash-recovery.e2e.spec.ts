// Accept at commit, and nothing lost or sent twice when a process dies: Temporal killed while
// customers send (every request is answered at once, every message goes out once Temporal is
// back), the worker and the SMPP gateway SIGKILLed in the middle of a bulk. Runs a Temporal dev
// server of its own (state in a file, so it can come back), the rest of the stack as usual.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { freePort } from '@app/config';
import { DevServerHandle, startTemporalDevServer } from '@app/temporal';
import { connectEsme } from '../support/esme';
import { destinationNumbers, expectDeliveredOnce } from '../support/delivery-checks';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

// A receipt wait far above any receipt delay here: a slow machine must not fail over (a second carrier would count as a duplicate).
const POLICY = { receiptWaitMs: 120_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };

let dir: string;
let temporalPort: number;
let temporal: DevServerHandle;
let stack: TestStack;
let pg: PgClient;

const startTemporal = () => startTemporalDevServer({ dataDir: dir, port: temporalPort });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-crash-'));
  temporalPort = await freePort();
  temporal = await startTemporal();
  stack = await startTestStack({ temporalAddress: temporal.address, rule: { policy: POLICY } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 180_000);

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
  await temporal?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
});

const numbers = destinationNumbers();
const deliveredOnce = (ids: string[], destinations: string[]) => expectDeliveredOnce(stack, pg, ids, destinations);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

it('answers every accept while Temporal is down, and delivers each message once after it returns', async () => {
  await temporal.kill();
  const singles = numbers(20);
  const paged = numbers(30);
  // Half the singles are OTPs (their own workflows), half transactional (pages), like the batch.
  const answers = await Promise.all(
    singles.map((to, i) => timed(() => stack.api<{ id: string }>('POST', '/v1/messages', { to, from: 'Acme', body: 'while Temporal is down', priority: i % 2 ? 'otp' : 'transactional' }))),
  );
  const batch = await timed(() => stack.api<{ accepted: number; results: { id: string }[] }>('POST', '/v1/messages/batch', { messages: paged.map((to) => ({ to, from: 'Acme', body: 'paged while down' })) }));
  expect(answers.map((a) => a.value.status)).toEqual(singles.map(() => 202));
  expect(batch.value.status).toBe(202);
  expect(batch.value.body.accepted).toBe(30);
  // Answered at commit: the outage costs the customer nothing.
  expect(Math.max(...answers.map((a) => a.ms), batch.ms)).toBeLessThan(2000);
  const ids = [...answers.map((a) => a.value.body.id), ...batch.value.body.results.map((r) => r.id)];
  // Stored, and none sent: waiting for their workflow's start, or grouped into a page whose start waits too.
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status IN ('accepted', 'queued')`, [ids]);
  expect(rows[0].n).toBe(50);

  temporal = await startTemporal();
  await deliveredOnce(ids, [...singles, ...paged]);
}, 180_000);

it('loses nothing and sends nothing twice when the worker is SIGKILLed in the middle of a bulk', async () => {
  await stack.sim('PATCH', '/carriers/alpha/behaviour', { receiptDelayMs: 1500 });
  const first = numbers(150);
  const second = numbers(150);
  const send = async (to: string[]) =>
    (await stack.api<{ results: { id: string }[] }>('POST', '/v1/messages/batch', { messages: to.map((n) => ({ to: n, from: 'Acme', body: 'bulk across a crash' })) })).body.results.map((r) => r.id);
  const firstIds = await send(first);
  await eventually(async () => {
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status = 'submitted'`, [firstIds]);
    return rows[0].n === firstIds.length ? true : undefined;
  }, 30_000, 'the first half with the carrier');
  await stack.processes.worker.kill();
  // The second half is accepted while no worker runs.
  const secondIds = await send(second);
  expect(secondIds.every((id) => typeof id === 'string')).toBe(true);
  await stack.startWorker();
  await deliveredOnce([...firstIds, ...secondIds], [...first, ...second]);
}, 180_000);

it('delivers once every bulk SMPP submit the gateway answered, when the gateway is SIGKILLed in the middle of a bulk', async () => {
  const cred = (await stack.api<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', { throughputPerSecond: 10_000 })).body;
  const esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.systemId, password: cred.password, bind: 'bind_transmitter' });
  const destinations = numbers(400);
  const answered: { id: string; to: string }[] = [];
  let killed: Promise<void> | undefined;
  // A window of 20 submits in flight; the gateway is killed once 60 have been answered, while the rest are on the wire.
  let next = 0;
  const lane = async () => {
    while (next < destinations.length) {
      const to = destinations[next++];
      const resp = await esme
        .request('submit_sm', { source_addr: 'Acme', source_addr_ton: 5, destination_addr: to.slice(1), dest_addr_ton: 1, dest_addr_npi: 1, short_message: 'smpp bulk across a crash' })
        .catch(() => undefined);
      if (resp?.command_status === 0) answered.push({ id: String(resp.message_id), to });
      if (answered.length >= 60 && !killed) killed = stack.processes.smppGateway.kill();
      if (!resp) return; // the connection is gone
    }
  };
  await Promise.all(Array.from({ length: 20 }, lane));
  await killed;
  await esme.close();
  expect(answered.length).toBeGreaterThan(0);
  await stack.startSmppGateway();
  await deliveredOnce(
    answered.map((a) => a.id),
    answered.map((a) => a.to),
  );
  // Unanswered submits may or may not have been stored; none of them reached a carrier twice.
  const { rows } = await pg.query(`SELECT to_number, count(*)::int AS n FROM messages WHERE to_number = ANY($1::text[]) GROUP BY to_number HAVING count(*) > 1`, [destinations]);
  expect(rows).toEqual([]);
}, 180_000);
