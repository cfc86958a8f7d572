// Two-way messaging over the real stack: MOs injected at the simulator (SMPP, multipart, and the
// HTTP carrier) reach the account as signed webhooks (the signature is verified here) and as
// deliver_sm to its bound ESME, through a conversation workflow found in Temporal by its search
// attribute with the MO signals in its history (and no number or text in it); a reply joins the
// conversation; a carrier re-sending an MO reaches the account once; the list endpoints.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { conversationWorkflowId } from '@app/contracts';
import { hashApiKey } from '@app/db';
import { verifyWebhookSignature } from '@app/egress';
import { connectEsme, deliverText, Esme } from '../support/esme';
import { testDatabaseUrl } from '../support/env';
import { decodedText } from '../support/history-recorder';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { openSealed } from '../support/sealed';
import { testTemporalClient } from '../support/temporal-client';

interface Hook {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

let stack: TestStack;
let pg: PgClient;
let temporal: Client;
let connection: Connection;
let receiver: http.Server;
let receiverUrl: string;
let secret: string;
let esme: Esme;
const hooks: Hook[] = [];
const ours = `+1415${randomInt(2_000_000, 9_999_999)}`;
const subscriber = `+447400${randomInt(100_000, 999_999)}`;

const inboundHooks = (predicate: (h: Hook) => boolean = () => true) => hooks.filter((h) => h.body.type === 'message.inbound' && predicate(h));

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  // Conversations end after 4 s without signals here (24 h by default).
  stack = await startTestStack({ worker: { CONVERSATION_IDLE_SECONDS: '4' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  connection = await Connection.connect({ address: stack.temporalAddress });
  temporal = testTemporalClient(connection);

  const accountId = (await pg.query(`SELECT account_id FROM api_keys WHERE key_hash = $1`, [hashApiKey(stack.demoApiKey)])).rows[0].account_id;
  const numberRes = await stack.api('POST', '/v1/numbers', { number: ours, accountId });
  expect(numberRes.status).toBe(201);
  const set = await stack.api<{ inboundUrl: string; secret?: string }>('PUT', '/v1/account/webhooks', { inboundUrl: receiverUrl });
  expect(set.status).toBe(200);
  // A rotation gives a secret we know (the first may have been created by an earlier suite).
  const rotated = await stack.api<{ secret: string }>('POST', '/v1/account/webhook-secret/rotate', { overlapSeconds: 0 });
  expect(rotated.status).toBe(200);
  secret = rotated.body.secret;
  const cred = await stack.api<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {});
  expect(cred.status).toBe(201);
  esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.body.systemId, password: cred.body.password, bind: 'bind_receiver' });
}, 180_000);

afterAll(async () => {
  await esme?.close();
  await connection?.close();
  await pg?.end();
  await stack?.stop();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

function expectSigned(hook: Hook): void {
  const signature = String(hook.headers['x-signature']);
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(verifyWebhookSignature(signature, hook.raw, secret)).toBe(true);
  expect(verifyWebhookSignature(signature, `${hook.raw} `, secret)).toBe(false);
  expect(hook.headers['x-event-id']).toBe(hook.body.eventId);
}

it('delivers a multipart SMPP MO once, joined, as a signed webhook and as deliver_sm, through its conversation workflow', async () => {
  const text = `Hello, I would like to change my delivery slot. ${'Tuesday afternoon suits me better than the morning. '.repeat(3)}Thanks!`;
  const sent = await stack.sim<{ parts: number }>('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text });
  expect(sent.parts).toBeGreaterThan(1);

  const [hook] = await eventually(async () => (inboundHooks((h) => h.body.body === text).length ? inboundHooks((h) => h.body.body === text) : undefined), 30_000, 'inbound webhook');
  expectSigned(hook);
  expect(hook.headers['x-event-type']).toBe('message.inbound');
  expect(hook.body).toMatchObject({ type: 'message.inbound', from: subscriber, to: ours, body: text, parts: sent.parts, carrierId: 'alpha' });
  const [mo] = await esme.waitForDeliveries(1, 30_000);
  expect(deliverText(mo)).toBe(text);
  expect(mo.destination_addr).toBe(ours.slice(1));

  const conversationId = String(hook.body.conversationId);
  const found = await eventually(async () => {
    const listed = [];
    for await (const wf of temporal.workflow.list({ query: `ConversationId = '${conversationId}'` })) listed.push(wf);
    return listed.length > 0 ? listed : undefined;
  }, 15_000, 'conversation workflow listed by ConversationId');
  expect(found[0]).toMatchObject({ workflowId: conversationWorkflowId(conversationId), type: 'conversation' });
  const history = await temporal.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory();
  const signals = history.events!.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
  expect(signals).toEqual(['inboundMessage']);
  const activities = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
  expect(activities).toEqual(['recordInbound', 'applyKeywordRules', 'forwardInbound']);
  // Ids only: neither number nor text in history.
  const seen = decodedText(history);
  for (const secretive of [ours, subscriber, ours.slice(1), 'delivery slot']) expect(seen).not.toContain(secretive);

  // The conversation's detail through the API, then a reply that joins it.
  const reply = await stack.api<{ id: string }>('POST', '/v1/messages', { from: ours, to: subscriber, body: 'Tuesday afternoon it is.' });
  expect(reply.status).toBe(202);
  const detail = await eventually(async () => {
    const res = await stack.api<{ messages: { id: string; direction: string }[] }>('GET', `/v1/conversations/${conversationId}`);
    return res.body.messages.some((m) => m.id === reply.body.id) ? res.body : undefined;
  }, 10_000, 'reply in the conversation');
  expect(detail.messages.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
  await eventually(async () => {
    const h = await temporal.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory();
    return h.events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'replySent') ? true : undefined;
  }, 15_000, 'replySent signal in history');
});

it('reaches the account once when the HTTP carrier re-sends an MO with the same id, or an SMPP carrier the same MO', async () => {
  const moId = `mo-${randomInt(1e9)}`;
  await stack.sim('POST', '/carriers/gamma/inbound', { from: subscriber, to: ours, text: 'over http', moId });
  await eventually(async () => (inboundHooks((h) => h.body.body === 'over http').length ? true : undefined), 30_000, 'HTTP MO webhook');
  await stack.sim('POST', '/carriers/gamma/inbound', { from: subscriber, to: ours, text: 'over http', moId });
  await stack.sim('POST', '/carriers/beta/inbound', { from: subscriber, to: ours, text: 'twice over smpp', moId: 'smpp-mo-1' });
  await stack.sim('POST', '/carriers/beta/inbound', { from: subscriber, to: ours, text: 'twice over smpp', moId: 'smpp-mo-1' });
  await stack.sim('POST', '/carriers/beta/inbound', { from: subscriber, to: ours, text: 'no id, sent twice' });
  await stack.sim('POST', '/carriers/beta/inbound', { from: subscriber, to: ours, text: 'no id, sent twice' });
  await eventually(async () => (inboundHooks((h) => h.body.body === 'no id, sent twice').length ? true : undefined), 30_000, 'SMPP MO webhooks');
  // Both re-sends were acknowledged by the worker (the simulator keeps nothing queued)…
  await eventually(async () => {
    const carriers = await stack.sim<{ id: string; counters: { receiptsQueued: number } }[]>('GET', '/carriers');
    return carriers.every((c) => c.counters.receiptsQueued === 0) ? true : undefined;
  }, 15_000, 'simulator queues empty');
  await new Promise((r) => setTimeout(r, 2000));
  // …and each MO was stored and forwarded once.
  for (const text of ['over http', 'twice over smpp', 'no id, sent twice']) {
    expect(inboundHooks((h) => h.body.body === text)).toHaveLength(1);
    const bodies = await Promise.all((await pg.query(`SELECT body FROM inbound_messages WHERE to_number = $1`, [ours])).rows.map((r) => openSealed(pg, r.body)));
    expect(bodies.filter((b) => b === text)).toHaveLength(1);
  }
  expect(inboundHooks((h) => h.body.body === 'over http')[0].body.carrierId).toBe('gamma');
  expect(new Set(inboundHooks().map((h) => h.body.eventId)).size).toBe(inboundHooks().length);
});

it('signs status callbacks the same way, with an event id and a sequence', async () => {
  const sent = await stack.api<{ id: string }>('POST', '/v1/messages', { from: 'Acme', to: subscriber, body: 'status please', statusCallbackUrl: receiverUrl });
  expect(sent.status).toBe(202);
  const statuses = await eventually(async () => {
    const mine = hooks.filter((h) => h.body.type === 'message.status' && h.body.id === sent.body.id);
    return mine.some((h) => h.body.status === 'delivered') ? mine : undefined;
  }, 30_000, 'status callbacks');
  for (const hook of statuses) expectSigned(hook);
  // Callbacks may arrive out of order: the sequence orders them (1, 2, … without gaps or repeats).
  const sequences = statuses.map((h) => Number(h.body.sequence)).sort((a, b) => a - b);
  expect(sequences).toEqual(sequences.map((_, i) => i + 1));
});

it('lists messages both ways and conversations, and names a bad filter', async () => {
  const inbound = await stack.api<{ items: { direction: string; from: string }[] }>('GET', `/v1/messages?direction=inbound&to=${encodeURIComponent(ours)}&limit=2`);
  expect(inbound.status).toBe(200);
  expect(inbound.body.items).toHaveLength(2);
  expect(inbound.body.items.every((m) => m.direction === 'inbound' && m.from === subscriber)).toBe(true);
  const outbound = await stack.api<{ items: { direction: string }[] }>('GET', `/v1/messages?direction=outbound&from=${encodeURIComponent(ours)}`);
  expect(outbound.body.items.map((m) => m.direction)).toEqual(['outbound']);
  const conversations = await stack.api<{ items: { ourNumber: string; subscriber: string }[] }>('GET', '/v1/conversations?limit=100');
  expect(conversations.body.items).toContainEqual(expect.objectContaining({ ourNumber: ours, subscriber }));
  for (const [query, field] of [
    ['direction=sideways', 'direction'],
    ['status=lost', 'status'],
    ['since=yesterday', 'since'],
    ['limit=0', 'limit'],
    ['cursor=nope', 'cursor'],
    ['to=%00', 'to'],
    ['colour=red', 'colour'],
  ]) {
    const res = await stack.api<{ error: { field: string } }>('GET', `/v1/messages?${query}`);
    expect({ query, status: res.status, field: res.body.error.field }).toEqual({ query, status: 400, field });
  }
  expect((await stack.api('GET', '/v1/conversations/not-a-uuid')).status).toBe(404);
  expect((await stack.api<{ error: { field: string } }>('PUT', '/v1/account/webhooks', { inboundUrl: 'http://169.254.169.254/latest' })).body.error.field).toBe('inboundUrl');
});

it('ends an idle conversation; the next MO starts it again under the same id', async () => {
  const conversationId = String(inboundHooks()[0].body.conversationId);
  const handle = temporal.workflow.getHandle(conversationWorkflowId(conversationId));
  await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, 'conversation idle end');
  await stack.sim('POST', '/carriers/alpha/inbound', { from: subscriber, to: ours, text: 'back again' });
  await eventually(async () => (inboundHooks((h) => h.body.body === 'back again').length ? true : undefined), 30_000, 'webhook after idle end');
  expect(inboundHooks((h) => h.body.body === 'back again')[0].body.conversationId).toBe(conversationId);
  // Closed again before the stack stops, so the recorder (RECORD_HISTORIES=1) can keep its histories.
  await eventually(async () => ((await temporal.workflow.getHandle(conversationWorkflowId(conversationId)).describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, 'second run idle end');
});
