// The first durable SMS, end to end through the real stack: REST API → PostgreSQL →
// Temporal workflow → worker → SMPP over TCP → carrier-sim → delivery receipt → status.
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { messageWorkflowId } from '@app/contracts';
import { AccountRepository, openDatabase } from '@app/db';
import { startCallbackReceiver } from '../support/callback-receiver';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { testDatabaseUrl, testKms } from '../support/env';
import { testTemporalClient } from '../support/temporal-client';

const RECEIPT_TIMEOUT_SECONDS = 6;
// Short receipt waits and no pause between attempts keep failover tests quick.
const POLICY = { receiptWaitMs: RECEIPT_TIMEOUT_SECONDS * 1000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };

interface MessageView {
  id: string;
  status: string;
  workflowId: string;
  carrierId: string | null;
  attempts: number;
  failureReason: string | null;
  error: { code: string; class: string; carrierCode: string; remediation: string } | null;
  segments: number;
  encoding: string;
  events: { type: string; carrierId: string | null }[];
  attemptHistory: { carrierId: string; status: string }[];
}

let stack: TestStack;
let temporal: Client;
let pg: PgClient;

beforeAll(async () => {
  stack = await startTestStack({ rule: { policy: POLICY } });
  temporal = testTemporalClient(await Connection.connect({ address: stack.temporalAddress }));
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await temporal?.connection.close();
  await stack?.stop();
});

afterEach(async () => {
  for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
});

const send = (body: Record<string, unknown>, headers?: Record<string, string>) => stack.api<{ id: string; status: string; segments: number; encoding: string }>('POST', '/v1/messages', body, headers);
const get = (id: string) => stack.api<MessageView>('GET', `/v1/messages/${id}`).then((r) => r.body);
const finalStatus = (id: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const m = await get(id);
    return ['delivered', 'failed'].includes(m.status) ? m : undefined;
  }, timeoutMs, `message ${id} to reach a final status`);
const countMessages = async () => Number((await pg.query('SELECT count(*) FROM messages')).rows[0].count);

describe('sending an SMS through the real stack', () => {
  it('delivers an OTP through a workflow of its own and records its history, visible in Temporal by message id', async () => {
    const accepted = await send({ to: '+14155552671', from: 'Acme', body: 'Hello from the SMS aggregator', priority: 'otp' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'accepted', segments: 1, encoding: 'GSM-7' });

    const message = await finalStatus(accepted.body.id);
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1, failureReason: null });
    expect(message.events.map((e) => e.type)).toEqual(['accepted', 'queued', 'submit_attempt', 'submitted', 'receipt', 'delivered']);
    expect(message.events[1]).toMatchObject({ detail: { ruleId: 'default', strategy: 'priority', candidates: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] } });

    const submissions = await stack.sim<{ destination: string; text: string; registeredDelivery: number }[]>('GET', '/carriers/alpha/submissions');
    expect(submissions).toContainEqual(expect.objectContaining({ destination: '14155552671', text: 'Hello from the SMS aggregator', registeredDelivery: 1 }));

    // Visibility (the list) catches up with the workflow shortly after it completes.
    const found = await eventually(async () => {
      const listed = [];
      for await (const wf of temporal.workflow.list({ query: `MessageId = '${accepted.body.id}'` })) listed.push(wf);
      return listed.length === 1 && listed[0].status.name === 'COMPLETED' ? listed : undefined;
    }, 10_000, 'workflow listed by MessageId');
    expect(found.map((w) => [w.workflowId, w.type, w.status.name])).toEqual([[messageWorkflowId(accepted.body.id), 'sendMessage', 'COMPLETED']]);
    const history = await temporal.workflow.getHandle(messageWorkflowId(accepted.body.id)).fetchHistory();
    const kinds = history.events!.map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes')));
    expect(kinds).toContain('workflowExecutionSignaledEventAttributes');
    // An OTP's steps (route, submit, outcome) run as local activities: markers in its history.
    expect(kinds).toContain('markerRecordedEventAttributes');
    expect(JSON.stringify(history)).not.toContain(Buffer.from('Hello from the SMS aggregator').toString('base64'));
  });

  it('sends UCS-2 text intact and reports its segments', async () => {
    const body = 'Привет! Ваш заказ отправлен 📦 Спасибо, что выбрали нас. Хорошего дня и до встречи!';
    const accepted = await send({ to: '+447400123456', from: 'Acme', body });
    expect(accepted.body).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect((await finalStatus(accepted.body.id)).status).toBe('delivered');
    // Two submit_sm with a concatenation UDH (8-bit reference), whose texts join to the body;
    // the message was delivered only once both parts' receipts said DELIVRD.
    const submissions = await stack.sim<{ text: string; dataCoding: number; udh?: string }[]>('GET', '/carriers/alpha/submissions');
    const parts = submissions.filter((s) => s.dataCoding === 8 && s.udh?.startsWith('050003'));
    expect(parts.map((p) => p.udh!.slice(10))).toEqual(['01', '02']);
    expect(parts[0].udh!.slice(0, 10)).toBe(parts[1].udh!.slice(0, 10));
    expect(parts.map((p) => p.text).join('')).toBe(body);
    const message = await get(accepted.body.id);
    expect(message.events.filter((e) => e.type === 'receipt')).toHaveLength(1);
  });

  it('fails over to the second carrier when the first rejects every submit', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { submitErrorRate: 1, submitErrorStatus: 0x0a }); // ESME_RINVSRCADR
    const accepted = await send({ to: '+14155552671', from: 'Acme', body: 'failover please' });
    const message = await finalStatus(accepted.body.id);
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(message.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'submit_failed'],
      ['beta', 'delivered'],
    ]);
    expect(message.events.map((e) => e.type)).toContain('submit_failed');
  });

  it('fails over when the first carrier reports UNDELIV', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1 });
    const message = await finalStatus((await send({ to: '+14155552671', from: 'Acme', body: 'undeliverable at alpha' })).body.id);
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 2 });
  });

  it('stops at a permanent error and shows our code, the carrier code and the remediation', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1, receiptErrorCode: '001' });
    const unknown = await finalStatus((await send({ to: '+14155552671', from: 'Acme', body: 'to nobody' })).body.id);
    expect(unknown).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'unknown_subscriber', class: 'permanent', carrierCode: 'UNDELIV err:001', remediation: expect.stringContaining('number') },
    });

    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 0, submitErrorRate: 1, submitErrorStatus: 0x0b });
    const invalid = await finalStatus((await send({ to: '+14155552671', from: 'Acme', body: 'bad destination' })).body.id);
    expect(invalid).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'invalid_destination', carrierCode: 'ESME_RINVDSTADR (0x0000000b)' } });
  });

  it('carries a single transactional message on a page, and names the page', async () => {
    const accepted = await send({ to: '+14155552672', from: 'Acme', body: 'A single message on a page' });
    expect(accepted.status).toBe(202);
    const message = await finalStatus(accepted.body.id);
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(message.workflowId).toMatch(/^batch-/);
    expect(message.events.map((e) => e.type)).toEqual(['accepted', 'queued', 'submitted', 'receipt', 'delivered']);
  });

  it('ends failed with a timeout reason when no carrier sends a receipt', async () => {
    for (const id of ['alpha', 'beta']) await stack.sim('PATCH', `/carriers/${id}/behaviour`, { receiptsEnabled: false });
    const started = Date.now();
    const message = await finalStatus((await send({ to: '+14155552671', from: 'Acme', body: 'nobody answers' })).body.id, 60_000);
    expect(message.status).toBe('failed');
    expect(message.failureReason).toBe(`no delivery receipt from carrier beta within ${RECEIPT_TIMEOUT_SECONDS} s`);
    expect(message.error).toMatchObject({ code: 'receipt_timeout', class: 'try_next_carrier' });
    expect(message.attemptHistory.map((a) => a.status)).toEqual(['receipt_timeout', 'receipt_timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * RECEIPT_TIMEOUT_SECONDS * 1000);
  });

  it('loses no message when the worker crashes while they wait for receipts', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { receiptDelayMs: 1500 });
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => send({ to: '+14155552671', from: 'Acme', body: `restart ${i}` }).then((r) => r.body.id)));
    await eventually(async () => ((await Promise.all(ids.map(get))).every((m) => m.status === 'submitted') ? true : undefined), 20_000, 'all submitted');

    await stack.processes.worker.kill(); // SIGKILL, as a crash
    // Receipts come due while no worker is bound: the carrier keeps them.
    await eventually(async () => ((await stack.sim<{ counters: { receiptsQueued: number } }>('GET', '/carriers/alpha')).counters.receiptsQueued === 5 ? true : undefined), 10_000, 'receipts queued at the carrier');
    await stack.startWorker();

    const finals = await Promise.all(ids.map((id) => finalStatus(id)));
    expect(finals.map((m) => [m.status, m.carrierId, m.attempts])).toEqual(ids.map(() => ['delivered', 'alpha', 1]));
  });

  it('applies receipts that race ahead of their submit response', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { receiptDelayMs: 0 });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => send({ to: '+14155552671', from: 'Acme', body: `race ${i}` }).then((r) => r.body.id)));
    const finals = await Promise.all(ids.map((id) => finalStatus(id)));
    expect(finals.map((m) => [m.status, m.carrierId, m.attempts])).toEqual(ids.map(() => ['delivered', 'alpha', 1]));
    const early = await pg.query(
      `SELECT count(*) FROM carrier_receipts r JOIN message_attempts a ON a.carrier_id = r.carrier_id AND a.carrier_message_id = r.carrier_message_id
       WHERE a.message_id = ANY($1) AND r.applied_at IS NOT NULL`,
      [ids],
    );
    expect(Number(early.rows[0].count)).toBe(20);
  });

  it('treats a repeated Idempotency-Key as the same message and refuses it for a different request', async () => {
    const key = `order-${Date.now()}`;
    const body = { to: '+14155552671', from: 'Acme', body: 'idempotent hello' };
    const first = await send(body, { 'idempotency-key': key });
    const second = await send(body, { 'idempotency-key': key });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    const conflict = await send({ ...body, body: 'something else' }, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ error: expect.objectContaining({ code: 'idempotency_key_reused', field: 'Idempotency-Key' }) });
    await finalStatus(first.body.id);
    const texts = (await stack.sim<{ text: string }[]>('GET', '/carriers/alpha/submissions')).filter((s) => s.text === 'idempotent hello');
    expect(texts).toHaveLength(1);
  });

  it('posts a status callback for each status change', async () => {
    const receiver = await startCallbackReceiver<{ id: string; status: string; sequence: number }>();
    try {
      const accepted = await send({ to: '+14155552671', from: 'Acme', body: 'call me back', statusCallbackUrl: receiver.url });
      await finalStatus(accepted.body.id);
      await eventually(async () => (receiver.received.length >= 3 ? true : undefined), 20_000, 'three callbacks');
      expect(receiver.received.map((r) => r.status).sort()).toEqual(['delivered', 'queued', 'submitted']);
      expect(receiver.received.every((r) => r.id === accepted.body.id)).toBe(true);
      // Each delivered callback is also recorded on the message's timeline.
      await eventually(async () => ((await get(accepted.body.id)).events.filter((e) => e.type === 'callback_delivered').length === 3 ? true : undefined), 10_000, 'callback events');
    } finally {
      await receiver.close();
    }
  });

  it('says up or down only without a key, and the components and carrier binds to an operator key', async () => {
    const anonymous = await fetch(`${stack.apiUrl}/health`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'up' });
    // This stack's worker and gateway are the live ones. A worker SIGKILLed by an earlier suite
    // on the same task queue left its heartbeat row: it stops counting within three intervals.
    const res = await eventually(async () => {
      const r = await stack.api<{ workers: { live: number }; smppGateways: { live: number }; taskQueues: { pollers: number }[] }>('GET', '/health');
      return r.body.workers?.live === 1 && r.body.smppGateways?.live === 1 ? r : undefined;
    }, 30_000, 'one live worker and one live gateway');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      postgres: { status: 'up' },
      temporal: { status: 'up' },
      workers: { status: 'up', live: 1 },
      smppGateways: { status: 'up', live: 1 },
      taskQueues: [
        { name: stack.taskQueue, type: 'workflow', pollers: expect.any(Number) },
        { name: stack.taskQueue, type: 'activity', pollers: expect.any(Number) },
      ],
      carriers: [
        expect.objectContaining({ id: 'alpha', bindState: 'bound' }),
        expect.objectContaining({ id: 'beta', bindState: 'bound' }),
        expect.objectContaining({ id: 'gamma', bindState: 'bound' }),
      ],
    });
    expect((res.body as { taskQueues: { pollers: number }[] }).taskQueues.every((q) => q.pollers > 0)).toBe(true);
    // A key without the operator scope is refused, not shown less.
    const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 1 });
    try {
      const { apiKey } = await new AccountRepository(db).createWithKey(`health-${Date.now()}`, 'messages only', ['messages']);
      expect((await stack.api('GET', '/health', undefined, { authorization: `Bearer ${apiKey}` })).status).toBe(403);
      expect((await stack.api('GET', '/health', undefined, { authorization: 'Bearer sk_not_a_key' })).status).toBe(401);
    } finally {
      await db.destroy();
    }
  });

  describe('bad input gets a 4xx naming the problem, and stores nothing', () => {
    const valid = { to: '+14155552671', from: 'Acme', body: 'hi' };
    it.each([
      ['a national number', { ...valid, to: '4155552671' }, 400, 'invalid_phone_number', 'to'],
      ['an invalid number', { ...valid, to: '+1000' }, 400, 'invalid_phone_number', 'to'],
      ['an empty body', { ...valid, body: '' }, 400, 'invalid_field', 'body'],
      ['an over-long body', { ...valid, body: 'x'.repeat(1601) }, 400, 'invalid_field', 'body'],
      ['a missing field', { to: valid.to, body: 'hi' }, 400, 'invalid_field', 'from'],
      ['an unknown field', { ...valid, colour: 'red' }, 400, 'unknown_field', 'colour'],
      ['an unknown priority', { ...valid, priority: 'urgent' }, 400, 'invalid_field', 'priority'],
      ['a bad sender', { ...valid, from: 'Acme Corporation Ltd' }, 400, 'invalid_sender', 'from'],
      ['a non-http callback', { ...valid, statusCallbackUrl: 'ftp://x.example/cb' }, 400, 'invalid_field', 'statusCallbackUrl'],
      ['a callback to the cloud metadata address', { ...valid, statusCallbackUrl: 'http://169.254.169.254/latest/meta-data' }, 400, 'invalid_field', 'statusCallbackUrl'],
      ['a callback to a private address', { ...valid, statusCallbackUrl: 'http://10.0.0.5/' }, 400, 'invalid_field', 'statusCallbackUrl'],
      ['a callback to a private address in hex', { ...valid, statusCallbackUrl: 'http://0x0a000005/' }, 400, 'invalid_field', 'statusCallbackUrl'],
      ['a callback to IPv6 loopback', { ...valid, statusCallbackUrl: 'http://[::1]:8080/' }, 400, 'invalid_field', 'statusCallbackUrl'],
      ['a NUL in the body', { ...valid, body: 'a\u0000b' }, 400, 'invalid_text', 'body'],
      ['a number as body', { ...valid, body: 42 }, 400, 'invalid_field', 'body'],
    ])('%s', async (_, body, status, code, field) => {
      const before = await countMessages();
      const res = await send(body as Record<string, unknown>);
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { code, message: expect.any(String), field } });
      expect(await countMessages()).toBe(before);
    });

    it('a callback host name that resolves to 127.0.0.1, which the operator allowed only by address: refused at submit, nothing called', async () => {
      const receiver = await startCallbackReceiver();
      try {
        const port = new URL(receiver.url).port;
        const before = await countMessages();
        const single = await send({ ...valid, statusCallbackUrl: `http://localhost:${port}/status` });
        expect(single.status).toBe(400);
        expect(single.body).toEqual({ error: { code: 'invalid_field', message: expect.stringContaining('loopback'), field: 'statusCallbackUrl' } });
        const batch = await stack.api<{ accepted: number; results: { error?: { field: string } }[] }>('POST', '/v1/messages/batch', {
          messages: [{ ...valid, statusCallbackUrl: `http://localhost:${port}/status` }],
        });
        expect(batch.body).toMatchObject({ accepted: 0, results: [{ error: { code: 'invalid_field', field: 'messages[0].statusCallbackUrl' } }] });
        expect(await countMessages()).toBe(before);
        expect(receiver.received).toEqual([]);
      } finally {
        await receiver.close();
      }
    });

    it('malformed JSON', async () => {
      const res = await stack.api('POST', '/v1/messages', '{"to": "+14155552671",');
      expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
    });

    it('a JSON array instead of an object', async () => {
      const res = await stack.api<{ error: { code: string } }>('POST', '/v1/messages', '[1,2]');
      expect(res.status).toBe(400);
    });

    it('an empty body', async () => {
      const res = await fetch(`${stack.apiUrl}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${stack.demoApiKey}` } });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.objectContaining({ code: 'invalid_field', field: 'to' }) });
    });

    it('the wrong content type', async () => {
      const res = await stack.api('POST', '/v1/messages', 'to=+14155552671', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res).toEqual({ status: 415, body: { error: { code: 'unsupported_media_type', message: expect.any(String) } } });
    });

    it.each([
      ['no key', {} as Record<string, string>, 'missing_api_key'],
      ['a wrong key', { authorization: 'Bearer sk_not-a-real-key' }, 'invalid_api_key'],
      ['a malformed header', { authorization: 'Basic abc' }, 'invalid_authorization'],
    ])('%s → 401', async (_, headers, code) => {
      const res = await fetch(`${stack.apiUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(valid) });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
    });

    it('an unknown message id → 404', async () => {
      expect((await stack.api('GET', '/v1/messages/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await stack.api('GET', '/v1/messages/not-a-uuid')).status).toBe(404);
    });
  });

  it('serves the OpenAPI document', async () => {
    const res = await fetch(`${stack.apiUrl}/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/v1/messages', '/v1/messages/{id}', '/v1/carriers', '/v1/carriers/{id}']));
  });
});
