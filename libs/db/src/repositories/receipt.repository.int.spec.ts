// Receipts against a real PostgreSQL: stored once, matched to messages, and never lost when
// they arrive before the submit response was recorded.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { MessageRepository } from './message.repository';
import { receiptKey, ReceiptRepository } from './receipt.repository';

let db: DataSource;
let messages: MessageRepository;
let receipts: ReceiptRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  messages = new MessageRepository(db);
  receipts = new ReceiptRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`receipts-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

async function newMessage(): Promise<string> {
  const id = randomUUID();
  await messages.insertAccepted({ id, accountId, to: '+14155552671', from: 'Acme', body: 'x', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'transactional' });
  return id;
}
const receipt = (carrierMessageId: string, state: 'DELIVRD' | 'UNDELIV' = 'DELIVRD') => ({ carrierId: 'alpha', carrierMessageId, state, errorCode: '000' });
const store = async (cmid: string, state?: 'DELIVRD' | 'UNDELIV') => (await receipts.storeMany([{ receipt: receipt(cmid, state), rawText: 'raw' }]))[0];

it('stores a re-sent receipt once', async () => {
  const cmid = randomUUID();
  const first = await store(cmid);
  const again = await store(cmid);
  expect(again.id).toBe(first.id);
  // Sent twice more in one group: the row stored first, once.
  expect((await receipts.storeMany([1, 2].map(() => ({ receipt: receipt(cmid), rawText: 'raw' })))).map((r) => r.id)).toEqual([first.id]);
});

it('hands a receipt that came before its submit response to the submit (claimEarly), once', async () => {
  const messageId = await newMessage();
  const cmid = randomUUID();
  expect(await store(cmid)).toMatchObject({ messageId: null, appliedAt: null }); // the receipt wins the race
  expect(await receipts.messagesFor([receipt(cmid)])).toEqual(new Map());
  await messages.startAttempt(messageId, 1, 'alpha');
  await messages.markSubmitted(messageId, 1, 'alpha', cmid);
  const claimed = await receipts.claimEarly('alpha', cmid, messageId);
  expect(claimed).toEqual([expect.objectContaining({ carrierId: 'alpha', carrierMessageId: cmid, state: 'DELIVRD' })]);
  expect(await receipts.claimEarly('alpha', cmid, messageId)).toEqual([]);
});

it('never loses a receipt racing its submit: one side always sees the other (the router: store, then look up what was stored unmatched)', async () => {
  const runs = 40;
  for (let i = 0; i < runs; i += 1) {
    const messageId = await newMessage();
    const cmid = randomUUID();
    await messages.startAttempt(messageId, 1, 'alpha');
    let seenByRouter = false;
    let seenBySubmit = false;
    await Promise.all([
      (async () => {
        const stored = await store(cmid);
        if (stored.messageId) {
          seenByRouter = true; // matched as it was stored (the submit had been recorded)
        } else if ((await receipts.messagesFor([receipt(cmid)])).get(receiptKey('alpha', cmid))?.messageId === messageId) {
          seenByRouter = true;
          await receipts.markApplied(stored.id, messageId);
        }
      })(),
      (async () => {
        await messages.markSubmitted(messageId, 1, 'alpha', cmid);
        seenBySubmit = (await receipts.claimEarly('alpha', cmid, messageId)).length > 0;
      })(),
    ]);
    expect(seenByRouter || seenBySubmit).toBe(true);
  }
});

it('finds unapplied receipts whose message became known (the sweeper)', async () => {
  const messageId = await newMessage();
  const cmid = randomUUID();
  await store(cmid, 'UNDELIV');
  await messages.startAttempt(messageId, 1, 'alpha');
  await messages.markSubmitted(messageId, 1, 'alpha', cmid);
  const pending = await receipts.unappliedMatched();
  expect(pending).toContainEqual(expect.objectContaining({ messageId, receipt: expect.objectContaining({ carrierMessageId: cmid, state: 'UNDELIV' }) }));
});

it('does not submit an attempt twice: a retried attempt returns the recorded carrier id', async () => {
  const messageId = await newMessage();
  expect(await messages.startAttempt(messageId, 1, 'alpha')).toBeNull();
  await messages.markSubmitted(messageId, 1, 'alpha', 'cm-1');
  expect(await messages.startAttempt(messageId, 1, 'alpha')).toBe('cm-1');
});

it('marks a message queued once, with one event', async () => {
  const messageId = await newMessage();
  await messages.markQueued(messageId, { routingVersion: 1, ruleId: 'default', detail: {} });
  await messages.markQueued(messageId, { routingVersion: 1, ruleId: 'default', detail: {} });
  expect((await messages.events(messageId)).map((e) => e.type)).toEqual(['accepted', 'queued']);
});

it('records an attempt outcome and a final status once, however often a retried activity repeats them', async () => {
  const messageId = await newMessage();
  await messages.startAttempt(messageId, 1, 'alpha');
  await messages.markSubmitted(messageId, 1, 'alpha', `cm-${messageId}`);
  for (let i = 0; i < 2; i += 1) {
    await messages.recordAttemptOutcome(messageId, 1, 'alpha', 'delivered', { carrierMessageId: `cm-${messageId}` });
    await messages.finalize({ messageId, status: 'delivered', carrierId: 'alpha', attempts: 1 });
  }
  const types = (await messages.events(messageId)).map((e) => e.type);
  expect(types.filter((t) => t === 'receipt')).toHaveLength(1);
  expect(types.filter((t) => t === 'delivered')).toHaveLength(1);
});
