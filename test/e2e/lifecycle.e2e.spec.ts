// The delivery lifecycle's contract, run against both shapes that carry a message through the
// real stack: its own sendMessage workflow (POST /v1/messages) and a page (POST
// /v1/messages/batch, a sendBatch workflow). The same scenarios must end the same way: failover
// on a rejected submit, an UNDELIV receipt or silence; a permanent error stops; multipart
// messages are delivered when every part is, or by the first part on a carrier that reports
// first parts only (without a duplicate through the next carrier).
import { randomInt } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { startCallbackReceiver } from '../support/callback-receiver';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { testTemporalClient } from '../support/temporal-client';

const RECEIPT_WAIT_MS = 4000;
const POLICY = { receiptWaitMs: RECEIPT_WAIT_MS, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };

interface MessageView {
  id: string;
  status: string;
  carrierId: string | null;
  attempts: number;
  workflowId: string | null;
  segments: number;
  channel: string;
  error: { code: string; class: string } | null;
  attemptHistory: { carrierId: string; status: string }[];
}

let stack: TestStack;
let temporal: Client;
let pg: PgClient;

beforeAll(async () => {
  // The scenarios fail alpha on purpose, again and again: its circuit must not open meanwhile.
  stack = await startTestStack({ rule: { policy: POLICY }, worker: { CIRCUIT_MIN_ATTEMPTS: '10000' }, extraSimCarriers: [{ id: 'kappa', systemId: 'kappa', password: 'kappa-pw', multipartReceipts: 'first' }] });
  temporal = testTemporalClient(await Connection.connect({ address: stack.temporalAddress }));
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  // kappa reports first parts only (the simulator's behaviour below), and our carrier setting says so.
  await eventually(async () => ((await stack.api<{ bindState: string }>('GET', '/v1/carriers/kappa')).body.bindState === 'bound' ? true : undefined), 30_000, 'kappa bound');
}, 180_000);

afterAll(async () => {
  // Suites share one database: kappa exists only for this one (other stacks' routes never name it).
  await pg?.query(`DELETE FROM carriers WHERE id = 'kappa'`);
  await pg?.end();
  await temporal?.connection.close();
  await stack?.stop();
});

afterEach(async () => {
  for (const id of ['alpha', 'beta', 'kappa']) await stack.sim('POST', `/carriers/${id}/reset`);
  await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }], policy: POLICY }], comment: 'lifecycle default' });
});

const uniqueNumber = () => `+1415${randomInt(2_000_000, 9_999_999)}`;

type Send = (message: { to: string; from: string; body: string; statusCallbackUrl?: string; sendAt?: string }) => Promise<string>;
const shapes: [string, Send, RegExp][] = [
  [
    'its own workflow',
    async (message) => {
      // OTP is what keeps its own workflow (single REST messages of other priorities ride pages).
      const res = await stack.api<{ id: string }>('POST', '/v1/messages', { ...message, priority: 'otp' });
      expect(res.status).toBe(202);
      return res.body.id;
    },
    /^msg-/,
  ],
  [
    'a page',
    async (message) => {
      const res = await stack.api<{ accepted: number; results: { id: string }[] }>('POST', '/v1/messages/batch', { messages: [message] });
      expect(res.status).toBe(202);
      expect(res.body.accepted).toBe(1);
      return res.body.results[0].id;
    },
    /^batch-/,
  ],
];

const finalStatus = (id: string, timeoutMs = 40_000) =>
  eventually(async () => {
    const m = (await stack.api<MessageView>('GET', `/v1/messages/${id}`)).body;
    return ['delivered', 'failed', 'cancelled'].includes(m.status) ? m : undefined;
  }, timeoutMs, `message ${id} to reach a final status`);

const submissionsTo = async (carrier: string, to: string) =>
  (await stack.sim<{ destination: string }[]>('GET', `/carriers/${carrier}/submissions`)).filter((s) => `+${s.destination}` === to);

describe.each(shapes)('one lifecycle, carried by %s', (_shape, send, workflowIdPattern) => {
  it('delivers through the first carrier and names the workflow that carried it', async () => {
    const to = uniqueNumber();
    const message = await finalStatus(await send({ to, from: 'Acme', body: 'contract: delivered' }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(message.workflowId).toMatch(workflowIdPattern);
    const described = await temporal.workflow.getHandle(message.workflowId!).describe();
    expect(described.taskQueue).toBe(stack.taskQueue);
  });

  it('fails over to the next carrier when the first rejects the submit', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { submitErrorRate: 1 });
    const message = await finalStatus(await send({ to: uniqueNumber(), from: 'Acme', body: 'contract: rejected' }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(message.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'submit_failed'],
      ['beta', 'delivered'],
    ]);
  });

  it('fails over when the first carrier reports UNDELIV', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1 });
    const message = await finalStatus(await send({ to: uniqueNumber(), from: 'Acme', body: 'contract: undeliv' }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(message.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'receipt_failed'],
      ['beta', 'delivered'],
    ]);
  });

  it('fails over when the first carrier stays silent past the receipt wait', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { receiptsEnabled: false });
    const message = await finalStatus(await send({ to: uniqueNumber(), from: 'Acme', body: 'contract: silence' }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(message.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'receipt_timeout'],
      ['beta', 'delivered'],
    ]);
  });

  it('stops at a permanent error: no second carrier is tried', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1, receiptErrorCode: '001' });
    const to = uniqueNumber();
    const message = await finalStatus(await send({ to, from: 'Acme', body: 'contract: permanent' }));
    expect(message).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'unknown_subscriber', class: 'permanent' } });
    expect(await submissionsTo('beta', to)).toEqual([]);
  });

  it('posts a status callback for each status change, numbered, and records each on the timeline', async () => {
    const receiver = await startCallbackReceiver<{ id: string; status: string; sequence: number; carrierId: string | null; attempts: number }>();
    const { received } = receiver;
    try {
      await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1 });
      const id = await send({ to: uniqueNumber(), from: 'Acme', body: 'contract: callbacks', statusCallbackUrl: receiver.url });
      await finalStatus(id);
      await eventually(async () => (received.length >= 4 ? true : undefined), 20_000, 'four callbacks');
      const ordered = [...received].sort((a, b) => a.sequence - b.sequence);
      expect(ordered.map((r) => [r.status, r.carrierId, r.sequence])).toEqual([
        ['queued', null, 1],
        ['submitted', 'alpha', 2],
        ['submitted', 'beta', 3],
        ['delivered', 'beta', 4],
      ]);
      expect(received.every((r) => r.id === id)).toBe(true);
      await eventually(
        async () => ((await stack.api<{ events: { type: string }[] }>('GET', `/v1/messages/${id}`)).body.events.filter((e) => e.type === 'callback_delivered').length === 4 ? true : undefined),
        10_000,
        'callback events',
      );
    } finally {
      await receiver.close();
    }
  });

  it('sends a scheduled message no earlier than its time', async () => {
    const to = uniqueNumber();
    const sendAt = new Date(Date.now() + 5000);
    const id = await send({ to, from: 'Acme', body: 'contract: scheduled', sendAt: sendAt.toISOString() });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await submissionsTo('alpha', to)).toEqual([]);
    expect(await finalStatus(id)).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    const [submission] = (await stack.sim<{ destination: string; receivedAt: number }[]>('GET', '/carriers/alpha/submissions')).filter((s) => `+${s.destination}` === to);
    expect(submission.receivedAt).toBeGreaterThanOrEqual(sendAt.getTime());
  });

  it('cancels a scheduled message before its time: it never reaches a carrier', async () => {
    const to = uniqueNumber();
    const id = await send({ to, from: 'Acme', body: 'contract: cancelled', sendAt: new Date(Date.now() + 4000).toISOString() });
    const cancel = await stack.api<{ cancelled: boolean }>('POST', `/v1/messages/${id}/cancel`);
    expect(cancel.body).toEqual({ cancelled: true });
    expect(await finalStatus(id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    await new Promise((r) => setTimeout(r, 5000));
    expect([...(await submissionsTo('alpha', to)), ...(await submissionsTo('beta', to))]).toEqual([]);
    const again = await stack.api<{ cancelled: boolean; reason: string }>('POST', `/v1/messages/${id}/cancel`);
    expect(again.body).toEqual({ cancelled: false, reason: 'the message is already cancelled' });
  });

  it('delivers a multipart message once every part is delivered', async () => {
    const to = uniqueNumber();
    const message = await finalStatus(await send({ to, from: 'Acme', body: 'contract multipart '.repeat(12) }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1, segments: 2 });
    expect(await submissionsTo('alpha', to)).toHaveLength(2);
  });

  it('delivers a multipart message by its first part on a carrier that reports first parts only, with no duplicate through the next carrier', async () => {
    await stack.sim('PATCH', '/carriers/kappa/behaviour', { multipartReceipts: 'first' });
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'kappa' }, { carrierId: 'beta' }], policy: POLICY }], comment: 'first-part carrier' });
    const to = uniqueNumber();
    const message = await finalStatus(await send({ to, from: 'Acme', body: 'first part decides '.repeat(12) }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'kappa', attempts: 1, segments: 2 });
    // Wait out a receipt wait: a lifecycle that waited for the second part would now resend via beta.
    await new Promise((r) => setTimeout(r, RECEIPT_WAIT_MS + 1000));
    expect(await submissionsTo('beta', to)).toEqual([]);
    expect(await submissionsTo('kappa', to)).toHaveLength(2);
  });
});

describe('a message that needs per-message handling', () => {
  afterEach(async () => {
    await stack.sim('POST', '/voice/reset');
  });

  it('is tried on every SMS carrier by its page, then leaves it for its own workflow, which reads it out in a voice call', async () => {
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }], policy: { ...POLICY, voiceFallback: true } }], comment: 'voice' });
    for (const id of ['alpha', 'beta']) await stack.sim('PATCH', `/carriers/${id}/behaviour`, { undelivRate: 1 });
    const [, send] = shapes[1];
    const to = uniqueNumber();
    const message = await finalStatus(await send({ to, from: 'Acme', body: 'read me out' }));
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'voice', attempts: 2, channel: 'voice' });
    expect(message.workflowId).toBe(`msg-${message.id}`);
    const events = (await stack.api<{ events: { type: string }[] }>('GET', `/v1/messages/${message.id}`)).body.events.map((e) => e.type);
    // The page's two attempts, then the hand-over; the workflow goes on from them to the call (no carrier again).
    const handedOver = events.indexOf('left_page');
    expect(events.slice(0, handedOver).filter((e) => e === 'submitted')).toHaveLength(2);
    expect(events.slice(handedOver).filter((e) => e === 'submitted')).toHaveLength(0);
    expect(events.slice(handedOver)).toContain('voice_call');
    expect(await submissionsTo('alpha', to)).toHaveLength(1);
    expect(await submissionsTo('beta', to)).toHaveLength(1);
    const calls = await stack.sim<{ to: string }[]>('GET', '/voice/calls');
    expect(calls.filter((c) => c.to === to)).toHaveLength(1);
  });
});
