// Numbers and sender IDs over the real stack: a tenant sending from a sender it does not hold is
// refused over REST (403 naming from) and over SMPP (ESME_RINVSRCADR), with nothing reaching a
// carrier; a sender pool keeps one subscriber on one number across 20 messages (the simulator
// sees them all from it), and the subscriber's reply to that number lands in the conversation
// the next pool message joins.
import { randomInt, randomUUID } from 'node:crypto';
import * as smpp from 'smpp';
import { AccountRepository, openDatabase } from '@app/db';
import { connectEsme, Esme } from '../support/esme';
import { testDatabaseUrl } from '../support/env';
import { grantSenders } from '../support/senders';
import { eventually, startTestStack, TestStack } from '../support/stack';

const E = smpp.errors as Record<string, number>;

interface Submission {
  source: string;
  destination: string;
  text: string;
}

let stack: TestStack;
let tenant: { accountId: string; apiKey: string };
let esme: Esme | undefined;

/** Numbers no other suite uses: US +1 415 6xx xxxx (exchange not starting with 0 or 1). */
const usNumber = () => `+1415${randomInt(600, 700)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
const asTenant = <T = unknown>(method: string, route: string, body?: unknown) => stack.api<T>(method, route, body, { authorization: `Bearer ${tenant.apiKey}` });
const submissions = async (): Promise<Submission[]> => [...(await stack.sim<Submission[]>('GET', '/carriers/alpha/submissions')), ...(await stack.sim<Submission[]>('GET', '/carriers/beta/submissions'))];
const digits = (n: string) => n.replace(/^\+/, '');

beforeAll(async () => {
  stack = await startTestStack();
  const db = await openDatabase(testDatabaseUrl(), { poolSize: 1 });
  try {
    tenant = await new AccountRepository(db).createWithKey(`senders-e2e-${randomUUID()}`, 'default', ['messages', 'smpp']);
    await grantSenders(db, tenant.accountId); // Acme
  } finally {
    await db.destroy();
  }
  // Twenty messages to one subscriber within a minute: lift the per-number velocity rules.
  const lifted = await stack.api('PATCH', `/v1/accounts/${tenant.accountId}/limits`, { perNumberPerMinute: 1000, perNumberPerHour: 1000, perPrefixPerMinute: 1000 });
  expect(lifted.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await esme?.close();
  await stack?.stop();
});

it('refuses over REST a sender ID or number the account does not hold, and sends from one it holds', async () => {
  const to = `+447400${randomInt(100_000, 999_999)}`;
  const paypal = await asTenant('POST', '/v1/messages', { to, from: 'PayPal', body: 'Your account is locked' });
  expect(paypal).toEqual({ status: 403, body: { error: { code: 'sender_not_held', message: expect.any(String), field: 'from' } } });
  const number = await asTenant('POST', '/v1/messages', { to, from: usNumber(), body: 'from a number of someone else' });
  expect(number.body).toMatchObject({ error: { code: 'sender_not_held', field: 'from' } });
  const croatia = await asTenant('POST', '/v1/messages', { to: '+385911234567', from: 'Acme', body: 'not registered in HR' });
  expect(croatia).toMatchObject({ status: 403, body: { error: { code: 'sender_not_registered', field: 'from' } } });
  const batch = await asTenant<{ results: { error?: { code: string; field: string } }[] }>('POST', '/v1/messages/batch', { messages: [{ to, from: 'PayPal', body: 'x' }] });
  expect(batch.body.results[0].error).toMatchObject({ code: 'sender_not_held', field: 'messages[0].from' });

  const held = await asTenant<{ id: string }>('POST', '/v1/messages', { to, from: 'Acme', body: 'from a sender we hold' });
  expect(held.status).toBe(202);
  await eventually(async () => ((await submissions()).some((s) => s.destination === digits(to)) ? true : undefined), 30_000, 'held sender at the carrier');
  const sent = (await submissions()).filter((s) => s.destination === digits(to));
  expect(sent.map((s) => s.source)).toEqual(['Acme']);
});

it('refuses over SMPP a source address the account does not hold with ESME_RINVSRCADR', async () => {
  const cred = await asTenant<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {});
  expect(cred.status).toBe(201);
  esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.body.systemId, password: cred.body.password, bind: 'bind_transceiver', localAddress: '127.0.0.141' });
  expect(esme.bindStatus).toBe(E.ESME_ROK);
  const to = `447400${randomInt(100_000, 999_999)}`;
  const submit = (source: Record<string, unknown>, text: string) =>
    esme!.request('submit_sm', { ...source, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to, short_message: Buffer.from(text) });

  expect((await submit({ source_addr_ton: 5, source_addr_npi: 0, source_addr: 'PayPal' }, 'phish')).command_status).toBe(E.ESME_RINVSRCADR);
  expect((await submit({ source_addr_ton: 1, source_addr_npi: 1, source_addr: digits(usNumber()) }, 'spoofed number')).command_status).toBe(E.ESME_RINVSRCADR);
  const ok = await submit({ source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME' }, 'held, any case');
  expect(ok.command_status).toBe(E.ESME_ROK);
  // A number the account holds, as an ESME writes it (TON 1, no +), is accepted.
  const ours = usNumber();
  expect((await stack.api('POST', '/v1/numbers', { number: ours, accountId: tenant.accountId })).status).toBe(201);
  expect((await submit({ source_addr_ton: 1, source_addr_npi: 1, source_addr: digits(ours) }, 'from our number')).command_status).toBe(E.ESME_ROK);
  const sent = await eventually(async () => {
    const mine = (await submissions()).filter((s) => s.destination === to);
    return mine.length >= 2 ? mine : undefined;
  }, 30_000, 'SMPP messages at the carrier');
  expect(sent.map((s) => [s.source, s.text]).sort()).toEqual(
    [
      ['ACME', 'held, any case'],
      [digits(ours), 'from our number'],
    ].sort(),
  );
});

it('keeps a subscriber on one pool number across 20 messages, and its reply lands in that conversation', async () => {
  const numbers = [usNumber(), usNumber(), usNumber()];
  for (const number of numbers) expect((await stack.api('POST', '/v1/numbers', { number, accountId: tenant.accountId })).status).toBe(201);
  const pool = await asTenant('POST', '/v1/sender-pools', { name: 'support', numbers });
  expect(pool.status).toBe(201);
  const subscriber = `+447400${randomInt(100_000, 999_999)}`;

  const ids: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    const res = await asTenant<{ id: string }>('POST', '/v1/messages', { to: subscriber, senderPool: 'support', body: `pool message ${i}` });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  const atCarrier = await eventually(async () => {
    const mine = (await submissions()).filter((s) => s.destination === digits(subscriber));
    return mine.length >= 20 ? mine : undefined;
  }, 60_000, '20 pool messages at the carriers');
  const sources = new Set(atCarrier.map((s) => s.source));
  expect(sources.size).toBe(1);
  const ours = numbers.find((n) => digits(n) === digits([...sources][0]));
  expect(ours).toBeDefined();
  for (const id of [ids[0], ids[19]]) expect((await asTenant<{ from: string }>('GET', `/v1/messages/${id}`)).body.from).toBe(ours);

  // The subscriber answers the number it got: the conversation is (that number, subscriber), and
  // the next pool message, from the same number, joins it.
  await stack.sim('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text: 'Which store is closest?' });
  const conversation = await eventually(async () => {
    const list = await asTenant<{ items: { id: string; ourNumber: string; subscriber: string }[] }>('GET', '/v1/conversations');
    return list.body.items.find((c) => c.subscriber === subscriber);
  }, 30_000, 'conversation of the reply');
  expect(conversation.ourNumber).toBe(ours);
  const next = await asTenant<{ id: string }>('POST', '/v1/messages', { to: subscriber, senderPool: 'support', body: 'The one on Main Street.' });
  expect(next.status).toBe(202);
  const detail = await eventually(async () => {
    const res = await asTenant<{ messages: { id: string; direction: string; from: string }[] }>('GET', `/v1/conversations/${conversation.id}`);
    return res.body.messages.some((m) => m.id === next.body.id) ? res.body : undefined;
  }, 15_000, 'next pool message in the conversation');
  expect(detail.messages.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
  expect((await asTenant<{ items: unknown[] }>('GET', '/v1/conversations')).body.items).toHaveLength(1);
});
