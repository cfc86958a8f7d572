// Export and erasure of a phone number against real PostgreSQL: a number present in every table
// that can hold it (messages and their events, attempts, parts, receipts, webhooks, outboxes;
// inbound messages and parts; conversations; opt-out and consent evidence; audiences; sticky
// senders; velocity counters) is exported in full, then erased in small batches; afterwards a
// search of every table finds it nowhere (the evidence names the tombstone's hash instead), while
// another account's row for the same number and another number's rows stay.
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { rowsHolding } from '../../../../test/support/db-scan';
import { testDatabaseUrl, testSecretsKey, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { PgAudienceCompliance } from './audience-compliance';
import { ComplianceRepository } from './compliance.repository';
import { DataSubjectRepository, SubjectHasher } from './data-subject.repository';

let db: DataSource;
let subjects: DataSubjectRepository;
const hasher = () => new SubjectHasher(testSecretsKey());

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms() });
  subjects = new DataSubjectRepository(db, hasher());
});

afterAll(async () => {
  await db?.destroy();
});

/**
 * A number nobody else in the shared test database uses: a Swedish mobile (+46 7…), a range no
 * other suite draws from (US +1415 numbers collided with a campaign suite's recipients in CI).
 */
const uniqueNumber = () => `+467${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** Puts `phone` into every table that can hold it, for `accountId`; returns what the export must list. */
async function seedEverywhere(accountId: string, phone: string, ourNumber: string) {
  const q = (sql: string, params: unknown[]) => db.query(sql, params);
  await q(`INSERT INTO account_numbers (number, account_id) VALUES ($1, $2)`, [ourNumber, accountId]);
  const messageId = randomUUID();
  await q(
    `INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash, status_callback_url, smpp_system_id)
     VALUES ($1, $2, $3, $4, 'Your code is QX-482913', 'GSM-7', 1, 'delivered', 'h', 'https://example.com/cb', 'esme1')`,
    [messageId, accountId, phone, ourNumber],
  );
  await q(`INSERT INTO message_events (message_id, type, detail) VALUES ($1, 'delivered', $2)`, [messageId, JSON.stringify({ to: phone })]);
  const carrierMessageId = randomUUID();
  await q(`INSERT INTO message_attempts (message_id, attempt, carrier_id, carrier_message_id, status) VALUES ($1, 1, 'alpha', $2, 'delivered')`, [messageId, carrierMessageId]);
  await q(`INSERT INTO message_parts (carrier_id, carrier_message_id, message_id, attempt, part_number) VALUES ('alpha', $1, $2, 1, 1)`, [carrierMessageId, messageId]);
  await q(
    `INSERT INTO carrier_receipts (carrier_id, carrier_message_id, state, error_code, raw_text, message_id, applied_at) VALUES ('alpha', $1, 'DELIVRD', '000', 'id:1 stat:DELIVRD text:Your code is QX-4829', $2, now())`,
    [carrierMessageId, messageId],
  );
  await q(`INSERT INTO workflow_starts (message_id, account_id, priority, rank) VALUES ($1, $2, 'transactional', 3)`, [messageId, accountId]);
  const [callback] = await q(`INSERT INTO status_callbacks (message_id, account_id, url, status, payload) VALUES ($1, $2, 'https://example.com/cb', 'delivered', $3) RETURNING id`, [
    messageId,
    accountId,
    JSON.stringify({ id: messageId, to: phone }),
  ]);
  await q(`INSERT INTO webhook_attempts (callback_id, outcome, latency_ms, http_status) VALUES ($1, 'delivered', 12, 200)`, [callback.id]);
  await q(`INSERT INTO smpp_deliveries (account_id, system_id, kind, message_id, payload) VALUES ($1, 'esme1', 'receipt', $2, $3)`, [
    accountId,
    messageId,
    JSON.stringify({ messageId, to: phone, from: ourNumber }),
  ]);

  const [conversation] = await q(`INSERT INTO conversations (id, our_number, subscriber, account_id) VALUES ($1, $2, $3, $4) RETURNING id`, [randomUUID(), ourNumber, phone, accountId]);
  const inboundId = randomUUID();
  await q(`INSERT INTO inbound_messages (id, carrier_id, from_number, to_number, body, account_id, conversation_id) VALUES ($1, 'alpha', $2, $3, 'STOP', $4, $5)`, [
    inboundId,
    phone,
    ourNumber,
    accountId,
    conversation.id,
  ]);
  await q(`INSERT INTO conversation_signals (conversation_id, kind, ref_id) VALUES ($1, 'inbound', $2)`, [conversation.id, inboundId]);
  await q(`INSERT INTO status_callbacks (account_id, url, status, payload, kind, inbound_id) VALUES ($1, 'https://example.com/in', 'inbound', $2, 'inbound', $3)`, [
    accountId,
    JSON.stringify({ type: 'message.inbound', id: inboundId, from: phone, body: 'STOP', conversationId: conversation.id }),
    inboundId,
  ]);
  await q(`INSERT INTO smpp_deliveries (account_id, kind, payload) VALUES ($1, 'inbound', $2)`, [accountId, JSON.stringify({ inboundId, from: phone, to: ourNumber, body: 'STOP' })]);
  await q(`INSERT INTO inbound_parts (carrier_id, from_number, to_number, reference, total, sequence, body) VALUES ('alpha', $1, $2, 7, 2, 1, 'half a message')`, [phone, ourNumber]);
  await q(`INSERT INTO opt_out_events (account_id, phone, opted_out, source, keyword, inbound_message_id) VALUES ($1, $2, true, 'keyword', 'STOP', $3)`, [accountId, phone, inboundId]);
  await q(`INSERT INTO consent_events (account_id, phone, category, granted, source) VALUES ($1, $2, 'marketing', true, 'api')`, [accountId, phone]);

  const campaignId = randomUUID();
  await q(`INSERT INTO campaigns (id, account_id, name, message, category) VALUES ($1, $2, 'spring', '{"body":"Hi"}', 'marketing')`, [campaignId, accountId]);
  await q(`INSERT INTO campaign_recipients (campaign_id, phone, variables) VALUES ($1, $2, '{"name":"Ana"}')`, [campaignId, phone]);
  const poolId = randomUUID();
  await q(`INSERT INTO sender_pools (id, account_id, name) VALUES ($1, $2, $3)`, [poolId, accountId, `pool-${poolId}`]);
  await q(`INSERT INTO sender_pool_numbers (pool_id, number) VALUES ($1, $2)`, [poolId, ourNumber]);
  await q(`INSERT INTO sender_pool_assignments (pool_id, subscriber, number) VALUES ($1, $2, $3)`, [poolId, phone, ourNumber]);
  await q(`INSERT INTO usage_counters (key, count, expires_at) VALUES ($1, 1, now() + interval '1 hour')`, [`n:${accountId}:${phone}:m1`]);
  return { messageId, inboundId, conversationId: conversation.id as string };
}

test('the export lists everything held about a number; after the erasure nothing in any table holds it but the tombstone', async () => {
  const accounts = new AccountRepository(db);
  const { accountId, keyId } = await accounts.createWithKey(`erasure-${randomUUID()}`);
  const other = await accounts.createWithKey(`erasure-other-${randomUUID()}`);
  const phone = uniqueNumber();
  const neighbour = uniqueNumber();
  const ourNumber = uniqueNumber();
  const seeded = await seedEverywhere(accountId, phone, ourNumber);
  // The same number at another account, and another number at this one: not part of this erasure.
  const otherMessage = randomUUID();
  await db.query(`INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash) VALUES ($1, $2, $3, 'Acme', 'hi', 'GSM-7', 1, 'delivered', 'h')`, [
    otherMessage,
    other.accountId,
    phone,
  ]);
  await db.query(`INSERT INTO opt_out_events (account_id, phone, opted_out, source) VALUES ($1, $2, true, 'api')`, [accountId, neighbour]);

  const exported = await subjects.export(accountId, phone);
  expect(exported.messages.map((m) => m.id)).toEqual([seeded.messageId]);
  // The stored `delivered` event, led by the `accepted` event the message row stands for.
  expect(exported.messageEvents.map((e) => [e.message_id, e.type])).toEqual([
    [seeded.messageId, 'accepted'],
    [seeded.messageId, 'delivered'],
  ]);
  expect(exported.messageAttempts).toHaveLength(1);
  expect(exported.carrierReceipts).toEqual([expect.objectContaining({ message_id: seeded.messageId, state: 'DELIVRD' })]);
  expect(exported.inboundMessages.map((m) => m.id)).toEqual([seeded.inboundId]);
  expect(exported.conversations.map((c) => c.id)).toEqual([seeded.conversationId]);
  expect(exported.optOutEvents).toEqual([expect.objectContaining({ phone, opted_out: true, keyword: 'STOP' })]);
  expect(exported.consentEvents).toEqual([expect.objectContaining({ phone, category: 'marketing', granted: true })]);
  expect(exported.campaignRecipients).toHaveLength(1);
  expect(exported.webhooks).toHaveLength(2);
  expect(exported.smppDeliveries).toHaveLength(2);
  expect(exported.senderAssignments).toEqual([expect.objectContaining({ number: ourNumber })]);
  expect(exported.erasures).toEqual([]);

  const erasure = await subjects.requestErasure(accountId, phone, keyId);
  expect(erasure).toMatchObject({ accountId, status: 'pending', requestedBy: keyId, phoneHash: hasher().hash(phone) });
  // Batches of 1, three batches per call: many calls, each bounded.
  let calls = 0;
  for (let step = 0; ; ) {
    calls++;
    const batch = await subjects.eraseSome(erasure.id, 1, 3, step);
    if (batch.done) break;
    step = batch.nextStep;
    expect(calls).toBeLessThan(100);
  }
  expect(calls).toBeGreaterThan(3);
  expect(await subjects.eraseSome(erasure.id, 1, 3)).toEqual({ done: true, erased: 0, nextStep: expect.any(Number) });

  const left = await rowsHolding(db, phone);
  expect(left).toEqual([{ table: 'messages', row: expect.stringContaining(otherMessage) }]);
  // The code with its prefix: six digits alone turn up by chance in other suites' rows (a timestamp's microseconds).
  expect(await rowsHolding(db, 'QX-4829')).toEqual([]);
  // Evidence kept under the hash; the tombstone says when and by whom, not what.
  const hash = hasher().hash(phone);
  expect(await db.query(`SELECT opted_out, keyword FROM opt_out_events WHERE phone = $1`, [`erased:${hash}`])).toEqual([{ opted_out: true, keyword: 'STOP' }]);
  expect(await db.query(`SELECT 1 FROM consent_events WHERE phone = $1`, [`erased:${hash}`])).toHaveLength(1);
  expect(await subjects.erasure(accountId, erasure.id)).toMatchObject({ status: 'done', completedAt: expect.any(Date), requestedBy: keyId });
  expect(await db.query(`SELECT pending_phone FROM erasures WHERE id = $1`, [erasure.id])).toEqual([{ pending_phone: null }]);
  expect(await db.query(`SELECT 1 FROM opt_out_events WHERE phone = $1`, [neighbour])).toHaveLength(1);
  expect(await db.query(`SELECT 1 FROM account_numbers WHERE number = $1`, [ourNumber])).toHaveLength(1);

  // The subscriber opted out before the erasure: still opted out for the checks that know the key.
  expect((await new PgAudienceCompliance(db, hasher()).check(accountId, 'transactional', [phone])).get(phone)).toMatchObject({ optedOut: true });
  expect((await new PgAudienceCompliance(db).check(accountId, 'transactional', [phone])).get(phone)).toMatchObject({ optedOut: false });
  const again = randomUUID();
  await db.query(`INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash) VALUES ($1, $2, $3, $4, 'hello again', 'GSM-7', 1, 'accepted', 'h')`, [
    again,
    accountId,
    phone,
    ourNumber,
  ]);
  expect(await new ComplianceRepository(db, hasher()).checkMessage(again)).toMatchObject({ outcome: 'rejected' });
});

test('evidence stays append-only outside an erasure: even the hash replacement is refused without it', async () => {
  const { accountId } = await new AccountRepository(db).createWithKey(`evidence-${randomUUID()}`);
  const phone = uniqueNumber();
  await db.query(`INSERT INTO opt_out_events (account_id, phone, opted_out, source) VALUES ($1, $2, true, 'api')`, [accountId, phone]);
  await expect(db.query(`UPDATE opt_out_events SET phone = 'erased:x' WHERE phone = $1`, [phone])).rejects.toThrow(/append-only/);
  await expect(
    db.transaction(async (tx) => {
      await tx.query(`SET LOCAL sms.erasure = 'on'`);
      await tx.query(`UPDATE opt_out_events SET phone = 'erased:x', opted_out = false WHERE phone = $1`, [phone]);
    }),
  ).rejects.toThrow(/append-only/);
  await expect(db.query(`DELETE FROM opt_out_events WHERE phone = $1`, [phone])).rejects.toThrow(/append-only/);
});
