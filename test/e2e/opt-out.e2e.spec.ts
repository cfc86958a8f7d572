// Opt-out, consent and keywords over the real stack: MOs injected at the simulator (STOP, the
// Croatian ODJAVA, START, HELP, an auto-reply keyword) go through the conversation workflow's
// keyword step; each gets its reply at the simulator (a confirmation goes out although the
// subscriber just opted out, recorded as exempt); the next message to an opted-out subscriber
// over REST (its own sendMessage workflow, the check visible in history) and over SMPP (a page)
// ends `rejected` with recipient_opted_out and the simulator's submissions show nothing sent to
// it; START opts back in; the evidence export (JSON and CSV) names each event's source message.
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountRepository, openDatabase } from '@app/db';
import { connectEsme, deliverText, Esme } from '../support/esme';
import { testDatabaseUrl, testKms } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

// Senders in one place (a rule that `from` must be a sender the account holds may change them).
const OUR_NUMBER = `+1415${randomInt(2_000_000, 9_999_999)}`;
const SENDERS = { number: OUR_NUMBER, smpp: OUR_NUMBER } as const;
const subscriber = () => `+447400${randomInt(100_000, 999_999)}`;

interface Submission {
  destination: string;
  source: string;
  text: string;
}
interface MessageView {
  id: string;
  status: string;
  workflowId: string;
  error: { code: string } | null;
  events: { type: string; detail: Record<string, unknown> | null }[];
}
interface Listed {
  id: string;
  direction: string;
  from: string;
  to: string;
  body: string;
}
interface EvidenceView {
  id: string;
  type: string;
  phone: string;
  sender: string | null;
  source: string;
  keyword: string | null;
  inboundMessageId: string | null;
}

let stack: TestStack;
let db: DataSource;
let esme: Esme;
let key: string;

async function call<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T; text: string; type: string | null }> {
  const res = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type');
  return { status: res.status, body: (text && type?.includes('json') ? JSON.parse(text) : undefined) as T, text, type };
}

beforeAll(async () => {
  stack = await startTestStack();
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  const tenant = await new AccountRepository(db).createWithKey(`opt-out-e2e-${randomUUID()}`, 'default', ['messages', 'smpp']);
  key = tenant.apiKey;
  expect((await stack.api('PATCH', `/v1/accounts/${tenant.accountId}/limits`, { perNumberPerMinute: 1000, perNumberPerHour: 1000, perPrefixPerMinute: 1000 })).status).toBe(200);
  expect((await stack.api('POST', '/v1/numbers', { number: OUR_NUMBER, accountId: tenant.accountId })).status).toBe(201);
  const cred = await call<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {});
  expect(cred.status).toBe(201);
  esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.body.systemId, password: cred.body.password, localAddress: '127.0.0.141' });
  expect(esme.bindStatus).toBe(0);
}, 180_000);

afterAll(async () => {
  await esme?.close();
  await db?.destroy();
  await stack?.stop();
});

const submissionsTo = async (to: string): Promise<Submission[]> =>
  (await Promise.all(['alpha', 'beta'].map((c) => stack.sim<Submission[]>('GET', `/carriers/${c}/submissions`)))).flat().filter((s) => `+${s.destination}` === to);

/** An MO from `from` to our number through the simulated carrier alpha, and the reply it gets at the simulator. */
async function keyword(from: string, text: string, replyLike: RegExp): Promise<Submission> {
  await stack.sim('POST', '/carriers/alpha/inbound', { from, to: OUR_NUMBER, text });
  return eventually(async () => (await submissionsTo(from)).find((s) => replyLike.test(s.text)), 45_000, `reply to "${text}"`);
}

const finalMessage = (id: string) =>
  eventually(async () => {
    const res = await call<MessageView>('GET', `/v1/messages/${id}`);
    return ['delivered', 'failed', 'cancelled', 'rejected'].includes(res.body?.status) ? res.body : undefined;
  }, 45_000, `message ${id} final`);

async function sendRest(to: string, body: string): Promise<MessageView> {
  const sent = await call<{ id: string }>('POST', '/v1/messages', { from: SENDERS.number, to, body });
  expect(sent.status).toBe(202);
  return finalMessage(sent.body.id);
}

async function sendSmpp(to: string, body: string): Promise<MessageView> {
  const resp = await esme.request('submit_sm', {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: SENDERS.smpp.replace('+', ''),
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: to.replace('+', ''),
    registered_delivery: 1,
    short_message: Buffer.from(body),
  });
  expect(resp.command_status).toBe(0);
  return finalMessage(String(resp.message_id));
}

/** Over REST and over SMPP: refused before any carrier (nothing new at the simulator), with a REJECTD receipt to the ESME. */
async function expectRefused(to: string): Promise<void> {
  const before = (await submissionsTo(to)).length;
  const rest = await sendRest(to, 'A message you should not get (REST)');
  expect(rest.status).toBe('rejected');
  expect(rest.error?.code).toBe('recipient_opted_out');
  // A single REST message rides a page: the page checks it before any carrier has it.
  expect(rest.workflowId).toMatch(/^batch-/);
  expect(rest.events.map((e) => e.type)).toEqual(['accepted', 'queued', 'rejected']);

  const receipts = esme.delivered.length;
  const smpp = await sendSmpp(to, 'A message you should not get (SMPP)');
  expect(smpp.status).toBe('rejected');
  expect(smpp.error?.code).toBe('recipient_opted_out');
  const receipt = await eventually(async () => esme.delivered.slice(receipts).find((d) => d.receipted_message_id === smpp.id), 30_000, 'REJECTD receipt');
  expect(deliverText(receipt)).toMatch(/stat:REJECTD/);

  await new Promise((r) => setTimeout(r, 1000));
  expect(await submissionsTo(to)).toHaveLength(before);
}

async function inboundId(from: string, text: string): Promise<string> {
  const res = await call<{ items: Listed[] }>('GET', `/v1/messages?direction=inbound&from=${encodeURIComponent(from)}`);
  return res.body.items.find((m) => m.body === text)!.id;
}

it('STOP opts out: the confirmation still goes out (exempt); REST and SMPP messages end rejected and reach no carrier; START opts back in', async () => {
  const handset = subscriber();
  expect((await sendRest(handset, 'Your parcel is on its way')).status).toBe('delivered');

  const confirmation = await keyword(handset, ' stop ', /unsubscribed/);
  expect(`+${confirmation.source}`).toBe(SENDERS.number);
  // The confirmation joined the conversation and was sent although the subscriber had just opted out: the exemption is on its timeline.
  const replies = await call<{ items: Listed[] }>('GET', `/v1/messages?direction=outbound&to=${encodeURIComponent(handset)}`);
  const sentConfirmation = replies.body.items.find((m) => /unsubscribed/.test(m.body))!;
  const view = await finalMessage(sentConfirmation.id);
  expect(view.status).toBe('delivered');
  expect(view.events.find((e) => e.type === 'opt_out_exempt')?.detail).toMatchObject({ reason: 'keyword_confirmation' });

  await expectRefused(handset);

  await keyword(handset, 'Start', /resubscribed/);
  expect((await sendRest(handset, 'Welcome back')).status).toBe('delivered');
  expect((await submissionsTo(handset)).map((s) => s.text)).toContain('Welcome back');

  const stopId = await inboundId(handset, ' stop ');
  const startId = await inboundId(handset, 'Start');
  const events = await call<{ items: EvidenceView[] }>('GET', `/v1/compliance/events?phone=${encodeURIComponent(handset)}`);
  expect(events.status).toBe(200);
  expect(events.body.items).toEqual([
    expect.objectContaining({ type: 'opt_out', source: 'keyword', keyword: 'STOP', sender: null, inboundMessageId: stopId }),
    expect.objectContaining({ type: 'opt_in', source: 'keyword', keyword: 'START', sender: null, inboundMessageId: startId }),
  ]);
});

it('ODJAVA (Croatian) opts out with the Croatian confirmation; the next messages are refused', async () => {
  const handset = subscriber();
  await keyword(handset, 'Odjava', /Odjavljeni ste/);
  await expectRefused(handset);
  const events = await call<{ items: EvidenceView[] }>('GET', `/v1/compliance/events?phone=${encodeURIComponent(handset)}`);
  expect(events.body.items).toEqual([expect.objectContaining({ type: 'opt_out', keyword: 'ODJAVA', inboundMessageId: await inboundId(handset, 'Odjava') })]);
});

it("HELP gets the account's help text, an auto-reply rule answers its keyword, other text gets nothing", async () => {
  expect((await call('PATCH', '/v1/account/compliance', { helpText: 'Acme Parcels: help at acme.example, STOP to opt out.' })).status).toBe(200);
  const created = await call<{ id: string }>('POST', '/v1/account/auto-replies', { keyword: 'hours', match: 'prefix', reply: 'We are open 9 to 17, Monday to Friday.' });
  expect(created.status).toBe(201);
  const handset = subscriber();
  await keyword(handset, 'HELP', /^Acme Parcels: help at acme\.example/);
  await keyword(handset, 'Hours today?', /^We are open 9 to 17/);
  await stack.sim('POST', '/carriers/alpha/inbound', { from: handset, to: OUR_NUMBER, text: 'thanks!' });
  await eventually(async () => ((await call<{ items: Listed[] }>('GET', `/v1/messages?direction=inbound&from=${encodeURIComponent(handset)}`)).body.items.length === 3 ? true : undefined), 30_000, 'third MO stored');
  await new Promise((r) => setTimeout(r, 3000));
  expect(await submissionsTo(handset)).toHaveLength(2);
  expect((await call('DELETE', `/v1/account/auto-replies/${created.body.id}`)).status).toBe(204);
});

it('exports every event as CSV with its source message; consents and opt-outs recorded through the API say source api', async () => {
  const handset = subscriber();
  await keyword(handset, 'STOP', /unsubscribed/);
  expect((await call('POST', '/v1/compliance/opt-ins', { phone: handset })).status).toBe(201);
  const consent = await call<EvidenceView>('POST', '/v1/compliance/consents', { phone: handset, category: 'marketing' });
  expect(consent.status).toBe(201);
  expect(consent.body).toMatchObject({ type: 'consent_granted', source: 'api', phone: handset, inboundMessageId: null });
  expect((await call('POST', '/v1/compliance/consents', { phone: handset, category: 'otp' })).status).toBe(400);

  const csv = await call('GET', `/v1/compliance/events?format=csv&phone=${encodeURIComponent(handset)}`);
  expect(csv.status).toBe(200);
  expect(csv.type).toMatch(/^text\/csv/);
  const [header, ...lines] = csv.text.trim().split('\n');
  expect(header).toBe('id,type,phone,sender,category,source,keyword,inbound_message_id,campaign_id,created_at,account_id');
  const rows = lines.map((l) => l.split(','));
  expect(rows.map((r) => [r[1], r[5], r[6], r[7]])).toEqual([
    ['opt_out', 'keyword', 'STOP', await inboundId(handset, 'STOP')],
    ['opt_in', 'api', '', ''],
    ['consent_granted', 'api', '', ''],
  ]);
  // Opted in through the API: delivered again.
  expect((await sendRest(handset, 'Back on the list')).status).toBe('delivered');
});
