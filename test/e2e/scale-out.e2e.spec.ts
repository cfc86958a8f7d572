// Scale-out proof: two workers, two APIs and two SMPP gateways against one Temporal and one
// PostgreSQL. Single messages and batches through either API, SMPP bulk through either gateway
// with receipts back as deliver_sm, each message delivered once; start intents and pages are
// shared by the workers' dispatchers (leases), and a carrier's maxTps holds across both workers.
import { Client as PgClient } from 'pg';
import { connectEsme, Esme } from '../support/esme';
import { destinationNumbers, expectDeliveredOnce } from '../support/delivery-checks';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

// A receipt wait far above any receipt delay here: a slow machine must not fail over (a second carrier would count as a duplicate).
const POLICY = { receiptWaitMs: 120_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };

let stack: TestStack;
let pg: PgClient;
const open: Esme[] = [];

beforeAll(async () => {
  stack = await startTestStack({ twoOfEach: true, rule: { policy: POLICY } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 180_000);

afterAll(async () => {
  for (const esme of open) await esme.close();
  await pg?.end();
  await stack?.stop();
});

const numbers = destinationNumbers();
const deliveredOnce = (ids: string[], destinations: string[]) => expectDeliveredOnce(stack, pg, ids, destinations);

async function post<T>(apiUrl: string, route: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${apiUrl}${route}`, { method: 'POST', headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

it('runs two of each process', () => {
  expect(stack.apiUrls).toHaveLength(2);
  expect(stack.smppGateways).toHaveLength(2);
});

it('sends single messages through either API, each delivered once', async () => {
  const to = numbers(40);
  const answers = await Promise.all(to.map((n, i) => post<{ id: string }>(stack.apiUrls[i % 2], '/v1/messages', { to: n, from: 'Acme', body: `scale-out single ${i}` })));
  expect(answers.map((a) => a.status)).toEqual(to.map(() => 202));
  await deliveredOnce(
    answers.map((a) => a.body.id),
    to,
  );
});

it('sends batches through either API, paged and sent once each', async () => {
  const to = [numbers(150), numbers(150)];
  const answers = await Promise.all(to.map((batch, i) => post<{ accepted: number; results: { id: string }[] }>(stack.apiUrls[i], '/v1/messages/batch', { messages: batch.map((n) => ({ to: n, from: 'Acme', body: 'scale-out batch' })) })));
  expect(answers.map((a) => [a.status, a.body.accepted])).toEqual([
    [202, 150],
    [202, 150],
  ]);
  await deliveredOnce(
    answers.flatMap((a) => a.body.results.map((r) => r.id)),
    to.flat(),
  );
});

it('takes SMPP bulk on either gateway and returns every receipt as deliver_sm', async () => {
  const cred = (await post<{ systemId: string; password: string }>(stack.apiUrls[0], '/v1/smpp/credentials', { maxBinds: 2, throughputPerSecond: 1000 })).body;
  const esmes = await Promise.all(stack.smppGateways.map((g) => connectEsme({ port: g.port, systemId: cred.systemId, password: cred.password })));
  open.push(...esmes);
  expect(esmes.map((e) => e.bindStatus)).toEqual([0, 0]);
  const to = numbers(100);
  const ids = await Promise.all(
    to.map(async (n, i) => {
      const resp = await esmes[i % 2].request('submit_sm', { source_addr: 'Acme', source_addr_ton: 5, destination_addr: n.slice(1), dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 1, short_message: `scale-out smpp ${i}` });
      expect(resp.command_status).toBe(0);
      return String(resp.message_id);
    }),
  );
  await deliveredOnce(ids, to);
  // Each receipt reaches one of the credential's sessions, on either gateway, once.
  await eventually(async () => (esmes[0].delivered.length + esmes[1].delivered.length >= ids.length ? true : undefined), 30_000, 'every receipt as deliver_sm');
  const receipted = [...esmes[0].delivered, ...esmes[1].delivered].map((p) => String(p.receipted_message_id));
  expect(receipted.sort()).toEqual([...ids].sort());
});

it('keeps a carrier\u2019s maxTps across both workers, measured at the carrier', async () => {
  const maxTps = 5;
  await fetch(`${stack.apiUrls[0]}/v1/routes`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }], policy: POLICY }] }),
  });
  await fetch(`${stack.apiUrls[1]}/v1/carriers/alpha`, { method: 'PATCH', headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ maxTps }) });
  await stack.sim('DELETE', '/carriers/alpha/submissions');
  // Each worker picks up a new limit within its 5 s poll.
  await new Promise((r) => setTimeout(r, 6000));
  try {
    const to = numbers(20);
    await Promise.all(to.map((n, i) => post(stack.apiUrls[i % 2], '/v1/messages', { to: n, from: 'Acme', body: `paced ${i}` })));
    const submissions = await eventually(async () => {
      const s = await stack.sim<{ receivedAt: number }[]>('GET', '/carriers/alpha/submissions');
      return s.length >= 20 ? s : undefined;
    }, 30_000, 'all 20 submitted');
    const times = submissions.map((s) => s.receivedAt).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0; i < times.length; i += 1) peak = Math.max(peak, times.filter((t) => t >= times[i] && t < times[i] + 1000).length);
    // The server-side limit of the carrier's task queue holds for both workers together (one more for receive-time jitter).
    expect(peak).toBeLessThanOrEqual(maxTps + 1);
  } finally {
    await fetch(`${stack.apiUrls[0]}/v1/carriers/alpha`, { method: 'PATCH', headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ maxTps: null }) });
  }
});
