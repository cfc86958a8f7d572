// Data protection end to end: after real traffic (a REST send with a status callback, an SMPP
// submit with its receipt, an inbound MO forwarded as a webhook and as deliver_sm), no body the
// test sent is anywhere in PostgreSQL (every row of every table read as text, bytea included),
// and no phone number, URL or body is in the Temporal history of its workflows, read raw by a
// client without the codec and by `temporal workflow show`. Through the codec endpoint (operator
// scope, CORS for the Web UI origin, or the browser's session cookie) the same history decodes.
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { AccountRepository, openDatabase } from '@app/db';
import { ENCRYPTED_ENCODING, findTemporalCli } from '@app/temporal';
import { CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver';
import { destinationNumbers } from '../support/delivery-checks';
import { connectEsme, deliverText, Esme } from '../support/esme';
import { testDatabaseUrl, testKms } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { grantSenders, TEST_SENDER_ID } from '../support/senders';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const run = randomUUID().slice(0, 8);
const REST_BODY = `Your code is ${randomInt(100_000, 999_999)} rest-${run}`;
const SMPP_BODY = `Parcel ${run} arrives at 14:00 smpp`;
const MO_TEXT = `Please call me back mo-${run}`;
const [restTo, smppTo] = destinationNumbers()(2);
const ours = `+1415${randomInt(2_000_000, 8_000_000)}`;
const subscriber = `+447400${randomInt(100_000, 999_999)}`;

let stack: TestStack;
let pg: PgClient;
let db: DataSource;
let connection: Connection;
let receiver: CallbackReceiver<Record<string, unknown>>;
let esme: Esme | undefined;
let tenant: { accountId: string; key: string };
let statusUrl: string;
let inboundUrl: string;

beforeAll(async () => {
  receiver = await startCallbackReceiver();
  statusUrl = `${receiver.url}/status-${run}`;
  inboundUrl = `${receiver.url}/inbound-${run}`;
  stack = await startTestStack({ api: { CODEC_CORS_ORIGINS: UI_ORIGIN } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 1 });
  connection = await Connection.connect({ address: stack.temporalAddress });
  const created = await new AccountRepository(db).createWithKey(`data-protection-${run}`, 'default', ['messages', 'smpp']);
  await grantSenders(db, created.accountId, { senderIds: [TEST_SENDER_ID] });
  // Its REST message is an OTP, so it has a workflow of its own whose history is read below.
  expect((await stack.api('PATCH', `/v1/accounts/${created.accountId}/limits`, { otpPriority: true })).status).toBe(200);
  tenant = { accountId: created.accountId, key: created.apiKey };
}, 180_000);

afterAll(async () => {
  await esme?.close();
  await connection?.close();
  await db?.destroy();
  await pg?.end();
  await stack?.stop();
  await receiver?.close();
});

const asTenant = <T>(method: string, route: string, body?: unknown) => stack.api<T>(method, route, body, { authorization: `Bearer ${tenant.key}` });

/**
 * The tables where `needle` appears in a row's text or a bytea column's bytes: what a database dump
 * would show of it (searched in PostgreSQL: the shared test database is large by the end of a run).
 */
async function tablesHolding(needle: string): Promise<string[]> {
  const tables: { table_name: string }[] = (await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows;
  const found: string[] = [];
  for (const { table_name: table } of tables) {
    const bytea: { column_name: string }[] = (await pg.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND data_type = 'bytea'`, [table])).rows;
    const matches = [`strpos(t::text, $1) > 0`, ...bytea.map(({ column_name: c }) => `strpos(encode(t."${c}", 'escape'), $1) > 0`)].join(' OR ');
    if ((await pg.query(`SELECT 1 FROM "${table}" t WHERE ${matches} LIMIT 1`, [needle])).rows.length > 0) found.push(table);
  }
  return found;
}

/**
 * Payloads in a history, with whether the codec sees it: search attributes (indexed, ids only) and
 * what Temporal's core writes in markers itself (`patched()` ids; a local activity's sequence
 * number, type and times) never pass through a codec. The local activity's result does.
 */
function payloadsOf(value: unknown, path: string[] = [], out: { payload: Payload; indexed: boolean; path: string }[] = []): { payload: Payload; indexed: boolean; path: string }[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  const o = value as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && ArrayBuffer.isView((o.metadata as Record<string, unknown>).encoding)) {
    out.push({ payload: o as Payload, indexed: path.includes('indexedFields') || (path.includes('markerRecordedEventAttributes') && ['patch-data', 'data'].includes(path[path.length - 3])), path: path.join('.') });
    return out;
  }
  for (const [k, v] of Object.entries(o)) payloadsOf(v, [...path, k], out);
  return out;
}

const markers = () => [REST_BODY, SMPP_BODY, MO_TEXT, restTo.slice(2), smppTo.slice(2), ours.slice(2), subscriber.slice(3), `status-${run}`, `inbound-${run}`];

it('keeps bodies out of PostgreSQL and numbers, URLs and bodies out of Temporal, and decodes histories for operators', async () => {
  // Traffic: a number of the tenant's own for MOs, an inbound webhook, an SMPP login.
  expect((await stack.api('POST', '/v1/numbers', { number: ours, accountId: tenant.accountId })).status).toBe(201);
  expect((await asTenant('PUT', '/v1/account/webhooks', { inboundUrl })).status).toBe(200);
  const cred = await asTenant<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {});
  expect(cred.status).toBe(201);
  esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.body.systemId, password: cred.body.password, bind: 'bind_transceiver' });

  const sent = await asTenant<{ id: string }>('POST', '/v1/messages', { to: restTo, from: TEST_SENDER_ID, body: REST_BODY, statusCallbackUrl: statusUrl, priority: 'otp' });
  expect(sent.status).toBe(202);
  const submitted = await esme.request('submit_sm', {
    source_addr_ton: 5,
    source_addr: TEST_SENDER_ID,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: smppTo.slice(1),
    registered_delivery: 1,
    short_message: Buffer.from(SMPP_BODY),
  });
  expect(submitted.command_status).toBe(0);
  const smppId = String(submitted.message_id);
  await stack.sim('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text: MO_TEXT });

  // Everything reached its end: both delivered, the callback and the inbound webhook sent, the receipt and the MO as deliver_sm.
  await eventually(async () => {
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status = 'delivered'`, [[sent.body.id, smppId]]);
    return rows[0].n === 2 ? true : undefined;
  }, 90_000, 'both messages delivered');
  await eventually(async () => (receiver.received.some((b) => b.id === sent.body.id && b.status === 'delivered') ? true : undefined), 30_000, 'status callback');
  const hook = await eventually(async () => receiver.received.find((b) => b.type === 'message.inbound' && b.body === MO_TEXT), 30_000, 'inbound webhook');
  const delivered = await esme.waitForDeliveries(2, 30_000);
  expect(delivered.map(deliverText)).toContain(MO_TEXT);
  // Bodies come back in clear where the customer reads them: the API, the webhook (above), deliver_sm (above).
  expect((await asTenant<{ body: string }>('GET', `/v1/messages/${sent.body.id}`)).body.body).toBe(REST_BODY);
  const listed = await asTenant<{ items: { body: string }[] }>('GET', `/v1/messages?direction=inbound`);
  expect(listed.body.items.map((i) => i.body)).toContain(MO_TEXT);

  // PostgreSQL: none of the bodies, in any table (the receipt's text: field included).
  expect(await tablesHolding(sent.body.id)).toContain('messages'); // the search is real: our rows are found
  for (const needle of [REST_BODY, SMPP_BODY, MO_TEXT, `rest-${run}`]) expect({ needle, tables: await tablesHolding(needle) }).toEqual({ needle, tables: [] });

  // Temporal: the tenant's workflows (its message, its SMPP message's page, its conversation), read without the codec.
  const raw = new Client({ connection });
  const workflows: string[] = [];
  for await (const wf of raw.workflow.list({ query: `AccountId = '${tenant.accountId}' OR PageAccountIds = '${tenant.accountId}'` })) workflows.push(wf.workflowId);
  expect(workflows).toEqual(expect.arrayContaining([`msg-${sent.body.id}`, `conversation-${String(hook.conversationId)}`]));
  const cli = findTemporalCli();
  let encrypted = 0;
  for (const workflowId of workflows) {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(proto.api.history.v1.History.encode(history).finish()).toString('latin1');
    const { stdout: shown } = await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', stack.temporalAddress, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
    for (const marker of markers()) {
      expect(bytes).not.toContain(marker);
      expect(shown).not.toContain(marker);
    }
    // Every payload but the search attributes (ids only) is encrypted.
    const payloads = payloadsOf(history).filter((p) => !p.indexed);
    const clear = payloads.filter(({ payload }) => Buffer.from(payload.metadata!.encoding!).toString() !== ENCRYPTED_ENCODING);
    expect(clear.map(({ payload, path }) => [path, Buffer.from(payload.data ?? []).toString().slice(0, 300), history.events![Number(path.split('.')[1])].markerRecordedEventAttributes?.markerName])).toEqual([]);
    encrypted += payloads.length;
  }
  expect(encrypted).toBeGreaterThan(0);
  const { stdout: shownRaw } = await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', `msg-${sent.body.id}`, '--address', stack.temporalAddress, '--output', 'json'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(shownRaw).toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));

  // Through the codec endpoint (what the Web UI calls), the message's history decodes.
  const history = await raw.workflow.getHandle(`msg-${sent.body.id}`).fetchHistory();
  const json = payloadsOf(history)
    .filter((p) => !p.indexed)
    .map(({ payload }) => ({
      metadata: Object.fromEntries(Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      ...(payload.data ? { data: Buffer.from(payload.data).toString('base64') } : {}),
    }));
  const decode = (headers: Record<string, string>, body: unknown = { payloads: json }) =>
    fetch(`${stack.apiUrl}/v1/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });
  const answer = await decode({ authorization: `Bearer ${stack.demoApiKey}` });
  expect(answer.status).toBe(200);
  const decoded = ((await answer.json()) as { payloads: { metadata: Record<string, string>; data?: string }[] }).payloads.map((p) =>
    new DefaultPayloadConverter().fromPayload({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
      data: p.data ? new Uint8Array(Buffer.from(p.data, 'base64')) : undefined,
    }),
  );
  expect(decoded).toHaveLength(json.length);
  expect(decoded[0]).toMatchObject({ messageId: sent.body.id, accountId: tenant.accountId });
  expect(JSON.stringify(decoded)).toContain('"status":"delivered"');

  // The CLI decodes through it too (what README tells operators).
  const { stdout: viaCodec } = await promisify(execFile)(
    cli,
    ['workflow', 'show', '--workflow-id', `msg-${sent.body.id}`, '--address', stack.temporalAddress, '--output', 'json', '--codec-endpoint', `${stack.apiUrl}/v1/codec`, '--codec-auth', `Bearer ${stack.demoApiKey}`],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  expect(viaCodec).not.toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));
  const input = (JSON.parse(viaCodec) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[] }).events[0].workflowExecutionStartedEventAttributes!.input.payloads[0];
  expect(JSON.parse(Buffer.from(input.data, 'base64').toString())).toEqual({ messageId: sent.body.id, accountId: tenant.accountId });

    // Operators only: no key 401, a key without the operator scope 403, a payload altered 400 naming it.
  expect((await decode({})).status).toBe(401);
  expect((await decode({ authorization: `Bearer ${tenant.key}` })).status).toBe(403);
  const altered = structuredClone(json);
  altered[0].data = Buffer.from(Buffer.from(altered[0].data!, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64');
  const refused = await decode({ authorization: `Bearer ${stack.demoApiKey}` }, { payloads: altered });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ error: { code: 'undecodable_payload', field: 'payloads[0]' } });

  // The Web UI's browser: CORS for its origin only, and the session cookie from /v1/codec/session instead of a header.
  const preflight = await fetch(`${stack.apiUrl}/v1/codec/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  const foreign = await fetch(`${stack.apiUrl}/v1/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  const session = await fetch(`${stack.apiUrl}/v1/codec/session`, { method: 'POST', headers: { authorization: `Bearer ${stack.demoApiKey}` } });
  expect(session.status).toBe(204);
  const cookie = session.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  const withCookie = await decode({ cookie: cookie.split(';')[0], origin: UI_ORIGIN });
  expect(withCookie.status).toBe(200);
  expect(withCookie.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect((await decode({ cookie: 'codec_session=sk_not_a_key' })).status).toBe(401);
});
