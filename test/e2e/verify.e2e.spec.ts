// Verify through the whole stack (issue 13): the code read from the carrier simulator (what a
// handset would get), checked → approved; five wrong codes → max_attempts; the velocity limit
// → 429 with Retry-After; alpha silent → the code through beta, then read out in a voice call,
// each step in the message's workflow history. The code is never in a workflow history, an API
// answer or a log line.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { messageWorkflowId, verificationWorkflowId } from '@app/contracts';
import { AccountRepository, openDatabase } from '@app/db';
import { testDatabaseUrl, testKms } from '../support/env';
import { DEFAULT_TEST_RULE, eventually, startTestStack, TestStack } from '../support/stack';
import { grantSenders } from '../support/senders';
import { DEFAULT_VERIFY_SENDER } from '@app/domain';
import { testTemporalClient } from '../support/temporal-client';

interface Verification {
  id: string;
  status: string;
  channel: string;
  expiresAt: string;
  checks: number;
  sends: number;
  messageIds: string[];
  carrierId: string | null;
  workflowId: string;
}
interface Submission {
  destination: string;
  text: string;
}

let stack: TestStack;
let db: DataSource;
let connection: Connection;
let temporal: Client;
let key: string;
/** A fresh number per test (the exchange must not start with 0 or 1). */
let nextLine = 1000;
const number = () => `+1415555${String(nextLine++).padStart(4, '0')}`;

beforeAll(async () => {
  stack = await startTestStack();
  db = await openDatabase(testDatabaseUrl(), { poolSize: 2, kms: testKms() });
  const tenant = await new AccountRepository(db).createWithKey(`verify-e2e-${randomUUID()}`, 'default', ['messages']);
  await grantSenders(db, tenant.accountId, { senderIds: [DEFAULT_VERIFY_SENDER] });
  key = tenant.apiKey;
  connection = await Connection.connect({ address: stack.temporalAddress });
  temporal = testTemporalClient(connection);
}, 180_000);

afterAll(async () => {
  await connection?.close();
  await db?.destroy();
  await stack?.stop();
});

const api = <T = unknown>(method: string, route: string, body?: unknown) => stack.api<T>(method, route, body, { authorization: `Bearer ${key}` });

async function startVerification(to: string, extra: Record<string, unknown> = {}): Promise<Verification> {
  const started = await api<Verification>('POST', '/v1/verifications', { to, channel: 'sms', ...extra });
  expect(started.status).toBe(201);
  return started.body;
}

/** The code as the handset got it from `carrierId`: the last text to `to` that carries one. */
async function codeAt(carrierId: string, to: string, length = 6): Promise<string> {
  return eventually(async () => {
    const texts = (await stack.sim<Submission[]>('GET', `/carriers/${carrierId}/submissions`)).filter((s) => s.destination === to.slice(1));
    const match = texts.length > 0 ? new RegExp(`\\b(\\d{${length}})\\b`).exec(texts[texts.length - 1].text) : null;
    return match?.[1];
  }, 20_000, `a code at ${carrierId}`);
}

/** Every string and byte payload of a workflow's history, decoded, as one text. */
async function historyText(workflowId: string): Promise<string> {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(await temporal.workflow.getHandle(workflowId).fetchHistory());
  return parts.join('\n');
}

const logsText = () =>
  fs
    .readdirSync(stack.logDir)
    .map((f) => fs.readFileSync(path.join(stack.logDir, f), 'utf8'))
    .join('\n');

it('sends a code that the handset gets, approves it once, and never shows it in a history, an answer or a log', async () => {
  const to = number();
  // Ten digits: a shorter code could turn up by chance among the digits of ids and timestamps.
  const started = await startVerification(to, { codeLength: 10 });
  expect(started).toMatchObject({ status: 'pending', channel: 'sms', workflowId: verificationWorkflowId(started.id) });
  expect(Date.parse(started.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
  const code = await codeAt('alpha', to, 10);
  const submission = (await stack.sim<Submission[]>('GET', '/carriers/alpha/submissions')).find((s) => s.text.includes(code))!;
  expect(submission.text).toBe(`Your verification code is ${code}. It expires in 10 minutes.`);

  const wrong = code === '0000000000' ? '1111111111' : '0000000000';
  expect((await api('POST', `/v1/verifications/${started.id}/check`, { code: wrong })).body).toEqual({ id: started.id, status: 'pending' });
  expect((await api('POST', `/v1/verifications/${started.id}/check`, { code })).body).toEqual({ id: started.id, status: 'approved' });
  // Single-use.
  expect((await api('POST', `/v1/verifications/${started.id}/check`, { code })).body).toEqual({ id: started.id, status: 'denied' });
  const done = await eventually(async () => {
    const v = (await api<Verification>('GET', `/v1/verifications/${started.id}`)).body;
    return v.status === 'approved' && v.carrierId ? v : undefined;
  });
  expect(done).toMatchObject({ checks: 2, sends: 1, carrierId: 'alpha' });
  expect(JSON.stringify(done)).not.toContain(code);

  // The message lifecycle carried it: delivered by alpha.
  const message = await eventually(async () => {
    const m = (await api<{ status: string; carrierId: string; priority: string }>('GET', `/v1/messages/${done.messageIds[0]}`)).body;
    return m.status === 'delivered' ? m : undefined;
  });
  expect(message).toMatchObject({ carrierId: 'alpha', priority: 'otp' });

  const histories = (await historyText(verificationWorkflowId(started.id))) + (await historyText(messageWorkflowId(done.messageIds[0])));
  expect(histories).toContain(started.id);
  expect(histories).not.toContain(code);
  expect(logsText()).not.toContain(code);
}, 60_000);

it('answers max_attempts at the fifth wrong code, and refuses the sixth check', async () => {
  const to = number();
  const started = await startVerification(to);
  const code = await codeAt('alpha', to);
  const wrong = code === '000000' ? '111111' : '000000';
  const answers: string[] = [];
  for (let i = 0; i < 5; i++) answers.push((await api<{ status: string }>('POST', `/v1/verifications/${started.id}/check`, { code: wrong })).body.status);
  expect(answers).toEqual(['pending', 'pending', 'pending', 'pending', 'max_attempts']);
  expect((await api<{ status: string }>('POST', `/v1/verifications/${started.id}/check`, { code })).body.status).toBe('max_attempts');
  const final = await eventually(async () => {
    const v = (await api<Verification>('GET', `/v1/verifications/${started.id}`)).body;
    return v.status !== 'pending' ? v : undefined;
  });
  expect(final).toMatchObject({ status: 'max_attempts', checks: 5 });
}, 60_000);

it('refuses a start over the per-number velocity limit with 429 and Retry-After; a newer verification cancels the older', async () => {
  expect((await api('PATCH', '/v1/verify/settings', { perNumberPerHour: 2 })).status).toBe(200);
  try {
    const to = number();
    const first = await startVerification(to);
    const second = await startVerification(to);
    const third = await fetch(`${stack.apiUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to, channel: 'sms' }),
    });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({ error: { code: 'verify_velocity_number', field: 'to' } });

    const superseded = await eventually(async () => {
      const v = (await api<Verification>('GET', `/v1/verifications/${first.id}`)).body;
      return v.status !== 'pending' ? v : undefined;
    });
    expect(superseded.status).toBe('cancelled');
    expect((await api<{ status: string }>('POST', `/v1/verifications/${first.id}/check`, { code: '123456' })).body.status).toBe('denied');
    expect((await api<Verification>('GET', `/v1/verifications/${second.id}`)).body.status).toBe('pending');
    // A resend inside the cool-down: 429 with Retry-After.
    const resend = await fetch(`${stack.apiUrl}/v1/verifications/${second.id}/resend`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    expect(resend.status).toBe(429);
    expect(Number(resend.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api<Verification>('POST', `/v1/verifications/${second.id}/cancel`)).body.status).toBe('cancelled');
  } finally {
    await api('PATCH', '/v1/verify/settings', { perNumberPerHour: null });
  }
}, 60_000);

it('alpha silent: the code goes through beta, then is read out in a voice call, each step in the history', async () => {
  await stack.api('PUT', '/v1/routes', { rules: [{ ...DEFAULT_TEST_RULE, policy: { receiptWaitMs: 2_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } } }], comment: 'verify e2e: short receipt waits' });
  for (const id of ['alpha', 'beta']) await stack.sim('PATCH', `/carriers/${id}/behaviour`, { receiptsEnabled: false });
  try {
    const to = number();
    const started = await startVerification(to);
    const atAlpha = await codeAt('alpha', to);
    const atBeta = await codeAt('beta', to);
    expect(atBeta).toBe(atAlpha);
    const call = await eventually(async () => (await stack.sim<{ to: string; text: string; status: string }[]>('GET', '/voice/calls')).find((c) => c.to === to && c.status === 'answered'), 20_000, 'the call');
    expect(call.text).toContain(atAlpha);

    const v = (await api<Verification>('GET', `/v1/verifications/${started.id}`)).body;
    const childId = messageWorkflowId(v.messageIds[0]);
    const message = await eventually(async () => {
      const m = (await api<{ status: string; carrierId: string; channel: string; attemptHistory: { carrierId: string; status: string }[] }>('GET', `/v1/messages/${v.messageIds[0]}`)).body;
      return m.status === 'delivered' ? m : undefined;
    });
    expect(message).toMatchObject({ carrierId: 'voice', channel: 'voice' });
    expect(message.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'receipt_timeout'],
      ['beta', 'receipt_timeout'],
    ]);
    // The steps in the message's history (started by the verification's): a receipt timer per carrier, then the call.
    const verifyHistory = await temporal.workflow.getHandle(verificationWorkflowId(started.id)).fetchHistory();
    expect(verifyHistory.events!.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === childId)).toBe(true);
    const events = (await temporal.workflow.getHandle(childId).fetchHistory()).events!;
    const timers = events.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    expect(timers.filter((s) => s === 2)).toHaveLength(2);
    expect(events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callWithVoice')).toBe(true);

    expect((await api('POST', `/v1/verifications/${started.id}/check`, { code: atAlpha })).body).toEqual({ id: started.id, status: 'approved' });
  } finally {
    for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
    await stack.sim('POST', '/voice/reset');
    await stack.api('PUT', '/v1/routes', { rules: [DEFAULT_TEST_RULE], comment: 'test stack' });
  }
}, 90_000);

it('refuses bad input with a 4xx naming the field', async () => {
  const bad = async (body: unknown, field: string) => {
    const answer = await api<{ error: { field?: string } }>('POST', '/v1/verifications', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe(field);
  };
  await bad({ to: 'nope', channel: 'sms' }, 'to');
  await bad({ to: number(), channel: 'fax' }, 'channel');
  await bad({ to: number(), channel: 'sms', codeLength: 3 }, 'codeLength');
  await bad({ to: number(), channel: 'sms', template: 'no code here' }, 'template');
  expect((await api('POST', `/v1/verifications/${randomUUID()}/check`, { code: '123456' })).status).toBe(404);
  expect((await api('POST', `/v1/verifications/${randomUUID()}/check`, { code: '12' })).status).toBe(400);
});
