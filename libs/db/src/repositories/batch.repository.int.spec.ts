// The page shape's bookkeeping against a real PostgreSQL: pages written from waiting messages,
// which paged messages still wait for their first submit (the dispatcher's gate), when a page's
// attempt has every receipt in (the receipt router's signal to the page), and multipart
// attempts decided by the lifecycle (every part, or the first part only).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { BatchRepository } from './batch.repository';
import { DISPATCH_CHANNEL, DispatchRepository, announcedPages, wakeDispatchers } from './dispatch.repository';
import { MessageRepository } from './message.repository';
import { ReceiptRepository } from './receipt.repository';

let db: DataSource;
let messages: MessageRepository;
let batches: BatchRepository;
let dispatch: DispatchRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  messages = new MessageRepository(db);
  batches = new BatchRepository(db);
  dispatch = new DispatchRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`batches-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

// Each test claims its own page; earlier tests' pages must not be claimed by a later one.
beforeEach(async () => {
  await db.query(`UPDATE messages SET status = 'cancelled' WHERE delivery = 'batch' AND status IN ('accepted', 'queued')`);
  await db.query(`DELETE FROM page_starts`);
});

async function bulkMessages(n: number, priority: 'transactional' | 'otp' = 'transactional'): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await messages.insertAcceptedMany(
    ids.map((id) => ({ id, accountId, to: '+14155552671', from: 'Acme', body: 'x', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority, delivery: 'batch' })),
  );
  return ids;
}

const submittedRow = (messageId: string, attempt = 1, partIds = [`c-${messageId}`], firstPartOnly = false) => ({
  messageId,
  attempt,
  carrierId: 'alpha',
  carrierMessageId: partIds[0],
  partIds,
  firstPartOnly,
  routingVersion: null,
  ruleId: null,
  country: 'US',
});
const receipt = (messageId: string, carrierMessageId: string, state: 'DELIVRD' | 'UNDELIV') => ({
  messageId,
  receipt: { carrierId: 'alpha', carrierMessageId, state, errorCode: state === 'DELIVRD' ? '000' : '032', receivedAt: new Date().toISOString() },
});
const delivered = (messageId: string) => receipt(messageId, `c-${messageId}`, 'DELIVRD');

// Messages written in one transaction share their created_at: the page's first is then the lowest id.
const firstOf = (ids: string[]) => [...ids].sort()[0];

async function page(n: number): Promise<{ ids: string[]; batchId: string }> {
  const ids = await bulkMessages(n);
  const written = await dispatch.createPage(10);
  expect(written).toEqual({ batchId: firstOf(ids), size: n, accountIds: [accountId], tries: 0 });
  return { ids, batchId: written!.batchId };
}
const status = async (id: string) => (await messages.findById(id))!.status;

it('writes a page named by its first message with its start intent, and counts its messages no carrier has been handed yet', async () => {
  await dispatch.leasePageStarts(1000, 60_000); // earlier tests' intents out of the way
  expect((await dispatch.pending(10)).count).toBe(0);
  const ids = await bulkMessages(3);
  expect((await dispatch.pending(10)).count).toBe(3);
  const written = await dispatch.createPage(10);
  expect(written).toEqual({ batchId: firstOf(ids), size: 3, accountIds: [accountId], tries: 0 });
  expect(await dispatch.createPage(10)).toBeNull();
  expect(await dispatch.leasePageStarts(10, 60_000)).toEqual([{ batchId: firstOf(ids), size: 3, accountIds: [accountId], tries: 1 }]);
  expect(await dispatch.leasePageStarts(10, 60_000)).toEqual([]); // leased: another dispatcher skips it
  expect(await dispatch.pending(10)).toMatchObject({ count: 0, unsubmitted: 3 });
  const batchId = written!.batchId;
  await batches.recordSubmitted(batchId, [submittedRow(ids[0])]);
  const refused = { messageId: ids[1], attempt: 1, carrierId: 'alpha', reason: 'refused', code: 'carrier_rejected', rawCode: 'ESME_RSYSERR', final: false };
  await batches.recordFailed(batchId, [refused]);
  expect((await dispatch.pending(10)).unsubmitted).toBe(1);
  // A retried chunk (the activity failed after its commit) records nothing twice and counts nothing twice.
  await batches.recordSubmitted(batchId, [submittedRow(ids[0])]);
  await batches.recordFailed(batchId, [refused]);
  expect((await dispatch.pending(10)).unsubmitted).toBe(1);
  // Started, the page is still counted until its first attempt is done, and never leased again.
  await dispatch.pageStarted(batchId);
  expect((await dispatch.pending(10)).unsubmitted).toBe(1);
  expect((await dispatch.leasePageStarts(1000, 60_000)).map((p) => p.batchId)).not.toContain(batchId);
  await batches.firstAttemptDone(batchId);
  expect((await dispatch.pending(10)).unsubmitted).toBe(0);
});

it('puts waiting OTP on a page before older bulk messages, and past the cap on a page of their own', async () => {
  const bulk = await bulkMessages(3);
  const otp = await bulkMessages(2, 'otp');
  expect(await dispatch.pending(10)).toMatchObject({ count: 5, otp: { count: 2, oldestMs: expect.any(Number) } });
  // A page of three: both OTP, then the oldest bulk message (named by its first message by age).
  const first = await dispatch.createPage(3);
  expect(first).toMatchObject({ batchId: firstOf(bulk), size: 3 });
  const claimed = async (batchId: string) => ((await db.query(`SELECT id FROM messages WHERE batch_id = $1`, [batchId])) as { id: string }[]).map((r) => r.id).sort();
  expect(await claimed(first!.batchId)).toEqual([...otp, firstOf(bulk)].sort());
  // OTP only (the dispatcher's cap reached): the bulk messages wait, a new OTP does not.
  expect(await dispatch.createPage(10, true)).toBeNull();
  const [late] = await bulkMessages(1, 'otp');
  expect(await dispatch.pending(10)).toMatchObject({ count: 3, otp: { count: 1 } });
  const own = await dispatch.createPage(10, true);
  expect(own).toMatchObject({ batchId: late, size: 1 });
  expect(await dispatch.pending(10)).toMatchObject({ count: 2, otp: { count: 0, oldestMs: 0 } });
});

it('keeps the columns a send changes out of every index on messages, so its updates stay in place (HOT)', async () => {
  // Columns the claim, submit, receipt and final updates of either shape set (batch_id and
  // delivery excepted: the claim and a release change them, once).
  const updated = ['status', 'queued_at', 'attempts', 'carrier_id', 'routing_version', 'routing_rule_id', 'country', 'updated_at', 'failure_reason', 'failure_code', 'carrier_error_code', 'callback_sequence'];
  const indexes: { name: string; def: string }[] = await db.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'messages'::regclass`,
  );
  expect(indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['messages_awaiting_page', 'messages_campaign_awaiting_page']));
  for (const { name, def } of indexes) {
    expect({ name, columns: updated.filter((c) => new RegExp(`\\b${c}\\b`).test(def.replace(/^.*? ON /, ''))) }).toEqual({ name, columns: [] });
  }
  const options: { relname: string; reloptions: string[] | null }[] = await db.query(`SELECT relname, reloptions FROM pg_class WHERE relname IN ('messages', 'smpp_deliveries') ORDER BY relname`);
  expect(options).toEqual([
    { relname: 'messages', reloptions: ['fillfactor=70'] },
    { relname: 'smpp_deliveries', reloptions: ['fillfactor=80'] },
  ]);
  // The generated flag follows the row: waiting, then claimed by a page, then released or cancelled.
  const [id] = await bulkMessages(1);
  const flag = async () => ((await db.query(`SELECT awaiting_page FROM messages WHERE id = $1`, [id])) as { awaiting_page: boolean }[])[0].awaiting_page;
  expect(await flag()).toBe(true);
  const claimed = await dispatch.createPage(10);
  expect(await flag()).toBe(false);
  await batches.release(claimed!.batchId, [id], 'test');
  expect(await flag()).toBe(false); // its own workflow carries it now
});

it('hands a page the country each message was accepted with (no number parsed again)', async () => {
  const ids = [randomUUID(), randomUUID()];
  await messages.insertAcceptedMany(
    ids.map((id, i) => ({ id, accountId, to: '+447400123456', from: 'Acme', body: 'x', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'transactional', delivery: 'batch', country: i === 0 ? 'GB' : null })),
  );
  const page = await dispatch.createPage(10);
  const due = await batches.dueForAttempt(page!.batchId, 1);
  expect(Object.fromEntries(due.map((m) => [m.id, m.country]))).toEqual({ [ids[0]]: 'GB', [ids[1]]: null });
});

it('reports a page complete only when its attempt has no receipt outstanding', async () => {
  const { ids, batchId } = await page(2);
  await batches.recordSubmitted(batchId, ids.map((id) => submittedRow(id)));

  const first = await batches.applyReceipts([delivered(ids[0])]);
  expect(first).toEqual({ outcomes: ['delivered'], pages: [{ batchId, attempt: 1 }] });
  expect(await batches.attemptsComplete(first.pages)).toEqual([]);
  expect(await batches.awaitingReceipts(batchId, 1)).toBe(1);

  expect(await batches.undecided(batchId)).toBe(1);

  const second = await batches.applyReceipts([delivered(ids[1])]);
  expect(await batches.attemptsComplete(second.pages)).toEqual([{ batchId, attempt: 1 }]);
  expect(await batches.awaitingReceipts(batchId, 1)).toBe(0);
  expect(await batches.undecided(batchId)).toBe(0);
});

it('ignores a receipt that matches no outstanding attempt, and touches no page', async () => {
  expect(await batches.applyReceipts([delivered(randomUUID())])).toEqual({ outcomes: ['ignored'], pages: [] });
  expect(await batches.attemptsComplete([])).toEqual([]);
});

it('decides a multipart attempt when every part is delivered, and fails it on the first failed part', async () => {
  const { ids, batchId } = await page(2);
  await batches.recordSubmitted(batchId, [submittedRow(ids[0], 1, ['a1', 'a2']), submittedRow(ids[1], 1, ['b1', 'b2'])]);
  expect((await batches.applyReceipts([receipt(ids[0], 'a1', 'DELIVRD')])).outcomes).toEqual(['waiting']);
  expect(await status(ids[0])).toBe('submitted');
  expect((await batches.applyReceipts([receipt(ids[0], 'a2', 'DELIVRD'), receipt(ids[1], 'b2', 'UNDELIV')])).outcomes).toEqual(['delivered', 'waiting']);
  expect(await status(ids[0])).toBe('delivered');
  // UNDELIV err 032 may go better through another carrier: the message waits for the next attempt.
  expect((await messages.attempts(ids[1]))[0]).toMatchObject({ status: 'receipt_failed' });
  expect(await status(ids[1])).toBe('submitted');
});

it('decides a multipart attempt by its first part for a carrier that sends receipts for first parts only', async () => {
  const { ids, batchId } = await page(1);
  await batches.recordSubmitted(batchId, [submittedRow(ids[0], 1, ['f1', 'f2', 'f3'], true)]);
  expect((await batches.applyReceipts([receipt(ids[0], 'f1', 'DELIVRD')])).outcomes).toEqual(['delivered']);
  expect(await status(ids[0])).toBe('delivered');
  expect(await batches.awaitingReceipts(batchId, 1)).toBe(0);
});

it('stores a bulk receipt matched and taken; the sweep finds it again only while its attempt still waits for it', async () => {
  const receipts = new ReceiptRepository(db);
  const { ids, batchId } = await page(3);
  const parts = [randomUUID(), randomUUID()];
  await batches.recordSubmitted(batchId, [submittedRow(ids[0]), submittedRow(ids[1], 1, parts)]); // ids[2]: no submit response yet
  const dlr = (carrierMessageId: string) => ({ receipt: { carrierId: 'alpha', carrierMessageId, state: 'DELIVRD' as const, errorCode: '000' }, rawText: 'id:x stat:DELIVRD' });
  const stored = await receipts.storeMany([dlr(`c-${ids[0]}`), dlr(parts[0]), dlr(`c-${ids[2]}`)]);
  const of = (cmid: string) => stored.find((s) => s.receipt.carrierMessageId === cmid)!;
  expect(of(`c-${ids[0]}`)).toMatchObject({ messageId: ids[0], delivery: 'batch', appliedAt: expect.any(Date) });
  expect(of(parts[0])).toMatchObject({ messageId: ids[1], delivery: 'batch', appliedAt: expect.any(Date) });
  // Before its submit response: unmatched, left for the submit to claim (or the sweeper).
  expect(of(`c-${ids[2]}`)).toMatchObject({ messageId: null, appliedAt: null });
  expect(of(`c-${ids[2]}`).delivery).toBeUndefined();

  // Taken, not applied (as if the worker stopped in between): swept up once past the grace.
  const swept = async (olderThanMs: number) => (await receipts.takenUnapplied(olderThanMs, 10_000)).filter((s) => ids.includes(s.messageId!)).map((s) => s.id).sort();
  expect(await swept(60_000)).toEqual([]);
  expect(await swept(0)).toEqual([of(`c-${ids[0]}`).id, of(parts[0]).id].sort());

  // Applied: the single part's attempt is decided, the first part recorded; neither is swept again.
  await batches.applyReceipts([
    { messageId: ids[0], receipt: of(`c-${ids[0]}`).receipt },
    { messageId: ids[1], receipt: of(parts[0]).receipt },
  ]);
  expect(await status(ids[0])).toBe('delivered');
  expect(await swept(0)).toEqual([]);

  // A re-sent receipt finds the row stored first, with nothing new to apply.
  const [again] = await receipts.storeMany([dlr(`c-${ids[0]}`)]);
  expect(again).toMatchObject({ id: of(`c-${ids[0]}`).id, messageId: ids[0], appliedAt: expect.any(Date) });
  expect(again.delivery).toBeUndefined();
});

const ownWorkflowMessage = (priority: 'otp' | 'transactional' | 'marketing') => ({
  id: randomUUID(),
  accountId,
  to: '+14155552671',
  from: 'Acme',
  body: 'x',
  encoding: 'GSM-7' as const,
  segments: 1,
  statusCallbackUrl: null,
  idempotencyKey: null,
  requestHash: 'h',
  priority,
  delivery: 'workflow' as const,
});

it('leases workflow starts OTP first, whatever backlog of other messages waits, and each once', async () => {
  await dispatch.leaseWorkflowStarts(10_000, 60_000); // earlier tests' intents out of the way
  const backlog = [ownWorkflowMessage('marketing'), ownWorkflowMessage('transactional'), ownWorkflowMessage('transactional')];
  for (const m of backlog) expect(await messages.insertAccepted(m)).toBe(true);
  const otp = ownWorkflowMessage('otp');
  await messages.insertAccepted(otp);
  // Other suites share this table: only this test's intents are looked at, in the order leased.
  const ours = new Set<string>([...backlog, otp].map((m) => m.id));
  const first = await dispatch.leaseWorkflowStarts(1, 60_000);
  expect(first.map((i) => [i.messageId, i.priority])).toEqual([[otp.id, 'otp']]);
  const rest = (await dispatch.leaseWorkflowStarts(10_000, 60_000)).filter((i) => ours.has(i.messageId));
  expect(rest.map((i) => [i.messageId, i.priority])).toEqual([
    [backlog[1].id, 'transactional'],
    [backlog[2].id, 'transactional'],
    [backlog[0].id, 'marketing'],
  ]);
  expect((await dispatch.leaseWorkflowStarts(10_000, 60_000)).filter((i) => ours.has(i.messageId))).toEqual([]);
});

it('counts as still starting only started messages not yet handed to a carrier nor scheduled for later', async () => {
  const [waiting, planned, submitted, failed, scheduled] = Array.from({ length: 5 }, () => ownWorkflowMessage('otp'));
  for (const m of [waiting, planned, submitted, failed, scheduled]) expect(await messages.insertAccepted(m)).toBe(true);
  await db.query(`UPDATE messages SET status = 'queued' WHERE id = $1`, [planned.id]);
  await db.query(`UPDATE messages SET status = 'submitted', attempts = 1 WHERE id = $1`, [submitted.id]);
  await db.query(`UPDATE messages SET status = 'queued', attempts = 1 WHERE id = $1`, [failed.id]); // a failed submit, before the next carrier
  await db.query(`UPDATE messages SET send_at = now() + interval '1 hour' WHERE id = $1`, [scheduled.id]);
  const still = await dispatch.stillStarting([waiting, planned, submitted, failed, scheduled].map((m) => m.id));
  expect(still.sort()).toEqual([waiting.id, planned.id].sort());
});

it('wakes the dispatchers after an accept has committed, one notification naming the work of one turn', async () => {
  const listener = new Client({ connectionString: testDatabaseUrl() });
  await listener.connect();
  const settle = () => new Promise((r) => setTimeout(r, 300));
  try {
    const heard: string[] = [];
    let leasedOnWake: Promise<string[]> | undefined;
    listener.on('notification', (n) => {
      if (n.channel !== DISPATCH_CHANNEL) return;
      heard.push(n.payload ?? '');
      // What a dispatcher woken by it would find: the intent is committed before the wake-up.
      leasedOnWake ??= dispatch.leaseWorkflowStarts(10_000, 60_000).then((l) => l.map((i) => i.messageId));
    });
    await listener.query(`LISTEN ${DISPATCH_CHANNEL}`);
    const otp = ownWorkflowMessage('otp');
    await messages.insertAccepted(otp);
    await settle();
    expect(heard).toEqual(['workflows']);
    expect(await leasedOnWake).toContain(otp.id);

    await bulkMessages(3); // the paged accept wakes them too, with how many wait for a page
    await settle();
    expect(heard).toEqual(['workflows', 'pages=3']);

    wakeDispatchers(db, 'pages', 2);
    wakeDispatchers(db, 'workflows');
    wakeDispatchers(db, 'pages', 5);
    await settle();
    expect(heard).toEqual(['workflows', 'pages=3', 'pages=7,workflows']);
    expect(announcedPages('pages=7,workflows')).toBe(7);
    expect(announcedPages('workflows')).toBe(0);
    expect(announcedPages('pages')).toBeNull(); // some, count not said
    expect(announcedPages('pages=x')).toBeNull();
    expect(announcedPages('')).toBeNull(); // a sender that names nothing: anything
  } finally {
    await listener.end();
  }
});

describe("a paged message's rows are its queued, submitted, receipt and delivered events", () => {
  const storedTypes = async (id: string) => ((await db.query(`SELECT type FROM message_events WHERE message_id = $1 ORDER BY id`, [id])) as { type: string }[]).map((e) => e.type);

  it('stores none of them, and the timeline reads them from the rows in order, a failover included', async () => {
    const {
      ids: [id],
      batchId,
    } = await page(1);
    await batches.recordSubmitted(batchId, [submittedRow(id)]);
    expect((await batches.applyReceipts([receipt(id, `c-${id}`, 'UNDELIV')])).outcomes).toEqual(['waiting']);
    await batches.recordSubmitted(batchId, [submittedRow(id, 2, [`c2-${id}`])]);
    expect((await batches.applyReceipts([receipt(id, `c2-${id}`, 'DELIVRD')])).outcomes).toEqual(['delivered']);

    // Stored: the failed attempt's receipt (with its failure), nothing else.
    expect(await storedTypes(id)).toEqual(['receipt']);
    const timeline = await messages.events(id);
    expect(timeline.map((e) => [e.type, e.attempt, e.id === null ? 'row' : 'stored'])).toEqual([
      ['accepted', null, 'row'],
      ['queued', null, 'row'],
      ['submitted', 1, 'row'],
      ['receipt', 1, 'stored'],
      ['submitted', 2, 'row'],
      ['receipt', 2, 'row'],
      ['delivered', 2, 'row'],
    ]);
    expect(timeline[1].detail).toEqual({ batchId });
    expect(timeline[2].detail).toEqual({ carrierMessageId: `c-${id}` });
    expect(timeline[3].detail).toMatchObject({ carrierMessageId: `c-${id}`, receiptState: 'UNDELIV', errorCode: '032' });
    expect(timeline[5]).toMatchObject({ carrierId: 'alpha', detail: { carrierMessageId: `c2-${id}`, receiptState: 'DELIVRD', errorCode: '000' } });
    expect(timeline[6].detail).toBeNull();
    const times = timeline.map((e) => e.occurredAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const [attempt] = (await db.query(`SELECT submitted_at, completed_at FROM message_attempts WHERE message_id = $1 AND attempt = 2`, [id])) as { submitted_at: Date; completed_at: Date }[];
    expect([timeline[4].occurredAt, timeline[6].occurredAt]).toEqual([new Date(attempt.submitted_at), new Date(attempt.completed_at)]);
  });

  it('stores the `queued` event, at the time it happened, when the message leaves its page (batch_id is gone)', async () => {
    const {
      ids: [id],
      batchId,
    } = await page(1);
    const [before] = await messages.events(id).then((t) => t.filter((e) => e.type === 'queued'));
    expect(before).toMatchObject({ id: null, detail: { batchId } });
    await batches.recordSubmitted(batchId, [submittedRow(id)]);
    expect(await batches.release(batchId, [id], 'voice')).toBe(1);
    expect(await storedTypes(id)).toEqual(['queued', 'left_page']);
    const timeline = await messages.events(id);
    expect(timeline.map((e) => e.type)).toEqual(['accepted', 'queued', 'submitted', 'left_page']);
    expect(timeline[1]).toMatchObject({ detail: { batchId }, occurredAt: before.occurredAt });
    expect(timeline[1].id).not.toBeNull();
  });

  it('shows a stored `submitted` event (an attempt recorded before this was so) once, instead of the one from the row', async () => {
    const {
      ids: [id],
      batchId,
    } = await page(1);
    await batches.recordSubmitted(batchId, [submittedRow(id)]);
    await messages.recordEvent({ messageId: id, type: 'submitted', carrierId: 'alpha', attempt: 1, detail: { carrierMessageId: 'stored' } });
    const submitted = (await messages.events(id)).filter((e) => e.type === 'submitted');
    expect(submitted).toEqual([expect.objectContaining({ attempt: 1, detail: { carrierMessageId: 'stored' } })]);
    expect(submitted[0].id).not.toBeNull();
  });
});
