// Export and erasure of a phone number through the real stack: a tenant sends to a subscriber
// over REST (delivered, with its receipt), the subscriber writes in and texts STOP through the
// simulated carrier (inbound messages, an opt-out event from the keyword, its confirmation), and
// the tenant records a consent. The export lists all of it; the erasure (POST
// /v1/account/erasures) runs as the `erasure-<id>` workflow and is audited; afterwards no table
// of the database holds the number or the texts, only the tombstone (and the evidence under its
// hash), and the subscriber's STOP still holds. The worker's `retention` schedule is visible through the Temporal client, and a run of
// it (triggered, the account's body retention set to a second) redacts a delivered message's body.
import { randomInt, randomUUID } from 'node:crypto';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { APPLY_RETENTION_WORKFLOW, erasureWorkflowId, RETENTION_SCHEDULE_ID } from '@app/contracts';
import { AccountRepository, openDatabase } from '@app/db';
import { rowsHolding } from '../support/db-scan';
import { testDatabaseUrl, testKms } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { testTemporalClient } from '../support/temporal-client';

const OUR_NUMBER = `+1415${randomInt(2_000_000, 9_999_999)}`;
const SUBSCRIBER = `+447400${randomInt(100_000, 999_999)}`;
const BODY = `Your parcel ${randomUUID().slice(0, 8)} is on its way`;
const MO_TEXT = `Where is my parcel ${randomUUID().slice(0, 8)}`;

interface Submission {
  destination: string;
  text: string;
}
interface ErasureView {
  id: string;
  status: string;
  completedAt: string | null;
}
type Rows = Record<string, unknown>[];
interface ExportView {
  phone: string;
  messages: Rows;
  carrierReceipts: Rows;
  inboundMessages: Rows;
  optOutEvents: Rows;
  consentEvents: Rows;
  conversations: Rows;
  erasures: Rows;
}

let stack: TestStack;
let db: DataSource;
let connection: Connection;
let temporal: Client;
let key: string;
let accountId: string;

async function call<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

beforeAll(async () => {
  stack = await startTestStack();
  db = await openDatabase(testDatabaseUrl(), { poolSize: 2, kms: testKms() });
  connection = await Connection.connect({ address: stack.temporalAddress });
  temporal = testTemporalClient(connection);
  const tenant = await new AccountRepository(db).createWithKey(`erasure-e2e-${randomUUID()}`);
  key = tenant.apiKey;
  accountId = tenant.accountId;
  expect((await stack.api('PATCH', `/v1/accounts/${accountId}/limits`, { perNumberPerMinute: 1000, perNumberPerHour: 1000, perPrefixPerMinute: 1000 })).status).toBe(200);
  expect((await stack.api('POST', '/v1/numbers', { number: OUR_NUMBER, accountId })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await connection?.close();
  await db?.destroy();
  await stack?.stop();
});

const submissionsTo = async (to: string): Promise<Submission[]> =>
  (await Promise.all(['alpha', 'beta'].map((c) => stack.sim<Submission[]>('GET', `/carriers/${c}/submissions`)))).flat().filter((s) => `+${s.destination}` === to);

const finalStatus = (id: string) =>
  eventually(async () => {
    const res = await call<{ status: string }>('GET', `/v1/messages/${id}`);
    return ['delivered', 'failed', 'cancelled', 'rejected'].includes(res.body?.status) ? res.body.status : undefined;
  }, 60_000, `message ${id} final`);

test('export lists everything about a number; after its erasure no table holds it but the tombstone', async () => {
  // What the stack holds about the subscriber: a delivered message and its receipt, two MOs, an opt-out by keyword (and its confirmation), a consent.
  const sent = await call<{ id: string }>('POST', '/v1/messages', { from: OUR_NUMBER, to: SUBSCRIBER, body: BODY });
  expect(sent.status).toBe(202);
  expect(await finalStatus(sent.body.id)).toBe('delivered');
  await eventually(async () => ((await db.query(`SELECT 1 FROM carrier_receipts WHERE message_id = $1`, [sent.body.id])) as unknown[]).length > 0 || undefined, 30_000, 'receipt stored');
  await stack.sim('POST', '/carriers/alpha/inbound', { from: SUBSCRIBER, to: OUR_NUMBER, text: MO_TEXT });
  await stack.sim('POST', '/carriers/alpha/inbound', { from: SUBSCRIBER, to: OUR_NUMBER, text: 'STOP' });
  await eventually(async () => (await submissionsTo(SUBSCRIBER)).find((s) => s.text !== BODY), 45_000, 'STOP confirmation');
  expect((await call('POST', '/v1/compliance/consents', { phone: SUBSCRIBER, category: 'transactional' })).status).toBe(201);
  // Every message to the subscriber (the confirmation too) final before the export.
  const exported = await eventually(async () => {
    const res = await call<ExportView>('POST', '/v1/account/data-subjects/export', { phone: SUBSCRIBER });
    expect(res.status).toBe(200);
    const settled = res.body.messages.length >= 2 && res.body.messages.every((m) => ['delivered', 'failed', 'rejected', 'cancelled'].includes(m.status as string));
    return settled && res.body.optOutEvents.length > 0 && res.body.inboundMessages.length >= 2 ? res.body : undefined;
  }, 60_000, 'export with everything');
  expect(exported.phone).toBe(SUBSCRIBER);
  expect(exported.messages).toEqual(expect.arrayContaining([expect.objectContaining({ id: sent.body.id, body: BODY, to_number: SUBSCRIBER })]));
  expect(exported.carrierReceipts).toEqual(expect.arrayContaining([expect.objectContaining({ message_id: sent.body.id })]));
  expect(exported.inboundMessages.map((m) => m.body)).toEqual(expect.arrayContaining([MO_TEXT, 'STOP']));
  expect(exported.optOutEvents).toEqual([expect.objectContaining({ phone: SUBSCRIBER, opted_out: true, source: 'keyword' })]);
  expect(exported.consentEvents).toEqual([expect.objectContaining({ phone: SUBSCRIBER, category: 'transactional', granted: true })]);
  expect(exported.conversations).toHaveLength(1);
  const digits = SUBSCRIBER.slice(1);
  expect((await rowsHolding(db, digits)).length).toBeGreaterThan(5);

  const requested = await call<ErasureView>('POST', '/v1/account/erasures', { phone: SUBSCRIBER });
  expect(requested.status).toBe(202);
  expect(requested.body).toMatchObject({ status: 'pending' });
  expect(JSON.stringify(requested.body)).not.toContain(digits);
  const done = await eventually(async () => {
    const res = await call<ErasureView>('GET', `/v1/account/erasures/${requested.body.id}`);
    return res.body.status === 'done' ? res.body : undefined;
  }, 60_000, 'erasure done');
  expect(done.completedAt).toEqual(expect.any(String));
  // Durable and visible: the erasure's own workflow, whose history never held the number.
  const workflow = temporal.workflow.getHandle(erasureWorkflowId(requested.body.id));
  expect((await workflow.describe()).status.name).toBe('COMPLETED');
  const history = JSON.stringify((await workflow.fetchHistory()).events);
  expect(history).not.toContain(digits);

  // Nothing about the number in any table, nor the texts; the evidence under the hash, the tombstone, the audit entry.
  expect(await rowsHolding(db, digits)).toEqual([]);
  expect(await rowsHolding(db, BODY)).toEqual([]);
  expect(await rowsHolding(db, MO_TEXT)).toEqual([]);
  const [tombstone] = await db.query(`SELECT account_id, phone_hash, status, requested_by FROM erasures WHERE id = $1`, [requested.body.id]);
  expect(tombstone).toMatchObject({ account_id: accountId, status: 'done', requested_by: expect.any(String) });
  expect(await db.query(`SELECT source FROM opt_out_events WHERE phone = $1`, [`erased:${tombstone.phone_hash}`])).toEqual([{ source: 'keyword' }]);
  expect(await db.query(`SELECT action, target_id FROM audit_events WHERE account_id = $1 AND action = 'subject.erase'`, [accountId])).toEqual([
    { action: 'subject.erase', target_id: requested.body.id },
  ]);
  const after = await call<ExportView>('POST', '/v1/account/data-subjects/export', { phone: SUBSCRIBER });
  expect(after.body).toMatchObject({ messages: [], carrierReceipts: [], inboundMessages: [], optOutEvents: [], consentEvents: [], conversations: [] });
  expect(after.body.erasures).toEqual([expect.objectContaining({ id: requested.body.id, status: 'done' })]);
  // Erased, but still opted out: the STOP is honoured through the evidence kept under the hash.
  const again = await call<{ id: string }>('POST', '/v1/messages', { from: OUR_NUMBER, to: SUBSCRIBER, body: 'Anything new?' });
  expect(again.status).toBe(202);
  expect(await finalStatus(again.body.id)).toBe('rejected');
});

test('the retention schedule the worker keeps is visible in Temporal, and the namespace keeps histories 30 days', async () => {
  const described = await temporal.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: APPLY_RETENTION_WORKFLOW });
  expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 3600_000 })]);
  // The worker set the namespace's retention of closed histories to match (TEMPORAL_RETENTION_DAYS, 30).
  const namespace = await connection.workflowService.describeNamespace({ namespace: 'default' });
  expect(Number(namespace.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 86_400);
});

test('retention periods: the tenant reads them, an operator changes them (audited), a bad value is refused naming the field', async () => {
  expect(await call('GET', '/v1/account/retention')).toEqual({ status: 200, body: { bodyRetentionDays: 30, metadataRetentionDays: 365 } });
  expect(await stack.api('PATCH', `/v1/accounts/${accountId}/retention`, { bodyRetentionDays: 7 })).toEqual({ status: 200, body: { bodyRetentionDays: 7, metadataRetentionDays: 365 } });
  const refused = await stack.api<{ error: { field: string } }>('PATCH', `/v1/accounts/${accountId}/retention`, { metadataRetentionDays: 5 });
  expect(refused.status).toBe(400);
  expect(refused.body.error.field).toBe('metadataRetentionDays');
  expect((await stack.api<{ error: { field: string } }>('PATCH', `/v1/accounts/${accountId}/retention`, { bodyRetentionDays: 0 })).status).toBe(400);
  // The tenant's own key cannot change them.
  expect((await call('PATCH', `/v1/accounts/${accountId}/retention`, { bodyRetentionDays: 1 })).status).toBe(403);
  expect(await call('GET', '/v1/account/retention')).toEqual({ status: 200, body: { bodyRetentionDays: 7, metadataRetentionDays: 365 } });
  const [audited] = await db.query(`SELECT before, after FROM audit_events WHERE account_id = $1 AND action = 'retention.update'`, [accountId]);
  expect(audited).toEqual({ before: { bodyRetentionDays: 30, metadataRetentionDays: 365 }, after: { bodyRetentionDays: 7, metadataRetentionDays: 365 } });
});

test('a run of the retention schedule redacts bodies past the account period', async () => {
  // Seconds instead of days: the test-only override (the API speaks whole days).
  await db.query(`UPDATE accounts SET body_retention = interval '1 second' WHERE id = $1`, [accountId]);
  const to = `+447400${randomInt(100_000, 999_999)}`;
  const sent = await call<{ id: string }>('POST', '/v1/messages', { from: OUR_NUMBER, to, body: BODY });
  expect(sent.status).toBe(202);
  expect(await finalStatus(sent.body.id)).toBe('delivered');
  await new Promise((r) => setTimeout(r, 1500));
  // The schedule points at this stack's worker (its start updated it); a run left by an earlier stack must not hold this one back.
  await temporal.schedule.getHandle(RETENTION_SCHEDULE_ID).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const redacted = await eventually(async () => {
    const [row] = await db.query(`SELECT body, redacted_at FROM messages WHERE id = $1`, [sent.body.id]);
    return row?.redacted_at ? row : undefined;
  }, 60_000, 'body redacted');
  expect(redacted.body).toBe('');
  expect(await rowsHolding(db, BODY)).toEqual([]);
  const runs = await eventually(async () => {
    const found = [];
    for await (const wf of temporal.workflow.list({ query: `WorkflowType = '${APPLY_RETENTION_WORKFLOW}' AND TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Completed'` })) found.push(wf);
    return found.length > 0 ? found : undefined;
  }, 30_000, 'completed applyRetention run');
  expect(runs[0].workflowId.startsWith(RETENTION_SCHEDULE_ID)).toBe(true);
});
