// The bulk path's bookkeeping against a real PostgreSQL: which claimed messages still wait for
// their first submit (the dispatcher's gate), and when a page's attempt has every receipt in
// (the receipt router's signal to the page).
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { BatchRepository } from './batch.repository';
import { MessageRepository } from './message.repository';

let db: DataSource;
let messages: MessageRepository;
let batches: BatchRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { poolSize: 4 });
  messages = new MessageRepository(db);
  batches = new BatchRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`batches-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

// Each test claims its own page; earlier tests' pages must not be claimed by a later one.
beforeEach(async () => {
  await db.query(`UPDATE messages SET status = 'cancelled' WHERE delivery = 'batch' AND status IN ('accepted', 'queued')`);
});

async function bulkMessages(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await messages.insertAcceptedMany(
    ids.map((id) => ({ id, accountId, to: '+14155552671', from: 'Acme', body: 'x', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'transactional', delivery: 'batch' })),
  );
  return ids;
}

const submittedRow = (messageId: string, attempt = 1) => ({ messageId, attempt, carrierId: 'alpha', carrierMessageId: `c-${messageId}`, partIds: [`c-${messageId}`], routingVersion: null, ruleId: null, country: 'US' });
const delivered = (messageId: string) => ({ messageId, receipt: { carrierId: 'alpha', carrierMessageId: `c-${messageId}`, state: 'DELIVRD' as const, errorCode: '000', receivedAt: new Date().toISOString() } });

it('counts claimed messages that no carrier has been handed yet, and not those whose submit failed', async () => {
  const ids = await bulkMessages(3);
  expect((await batches.pending(10)).count).toBe(3);
  const batchId = randomUUID();
  expect(await batches.claim(batchId, 10)).toBe(3);
  expect(await batches.pending(10)).toMatchObject({ count: 0, unsubmitted: 3 });
  await batches.recordSubmitted(batchId, [submittedRow(ids[0])]);
  await batches.recordFailed(batchId, [{ messageId: ids[1], attempt: 1, carrierId: 'alpha', reason: 'refused', code: 'carrier_rejected', rawCode: 'ESME_RSYSERR', final: false }]);
  expect((await batches.pending(10)).unsubmitted).toBe(1);
});

it('reports a page complete only when its attempt has no receipt outstanding', async () => {
  const ids = await bulkMessages(2);
  const batchId = randomUUID();
  await batches.claim(batchId, 10);
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
