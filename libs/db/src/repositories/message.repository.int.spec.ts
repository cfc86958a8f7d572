// A message on its own workflow against a real PostgreSQL: each state change is one statement
// that writes the message's row, its attempt, its event and what the change queues (the status
// callback and the SMPP receipt, with the NOTIFY that wakes their senders), and records nothing
// more when an activity runs it again.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { MessageRepository } from './message.repository';
import { SMPP_DELIVERIES_CHANNEL } from './smpp-receipts';
import { STATUS_CALLBACKS_CHANNEL } from './status-callbacks';

let db: DataSource;
let messages: MessageRepository;
let accountId: string;
let listener: Client;
const heard: { channel: string; payload: string }[] = [];

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  messages = new MessageRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`messages-${randomUUID()}`)).accountId;
  listener = new Client({ connectionString: testDatabaseUrl() });
  await listener.connect();
  listener.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload ?? '' }));
  await listener.query(`LISTEN ${STATUS_CALLBACKS_CHANNEL}`);
  await listener.query(`LISTEN ${SMPP_DELIVERIES_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await db?.destroy();
});
beforeEach(() => {
  heard.length = 0;
});

const settle = () => new Promise((r) => setTimeout(r, 300));

async function ownMessage(options: { callback: boolean; smpp: boolean }): Promise<string> {
  const id = randomUUID();
  await messages.insertAccepted({
    id,
    accountId,
    to: '+14155552671',
    from: 'Acme',
    body: 'hello',
    encoding: 'GSM-7',
    segments: 2,
    statusCallbackUrl: options.callback ? 'https://example.com/status' : null,
    idempotencyKey: null,
    requestHash: 'h',
    priority: 'transactional',
    ...(options.smpp ? { source: 'smpp' as const, smppSystemId: 'acme', registeredDelivery: 1 } : {}),
  });
  return id;
}

async function deliver(id: string): Promise<void> {
  await messages.markQueued(id, { routingVersion: null, ruleId: 'default', country: 'US', detail: { ruleId: 'default' } });
  expect(await messages.startAttempt(id, 1, 'alpha')).toBeNull();
  await messages.markSubmitted(id, 1, 'alpha', `c-${id}-1`, [`c-${id}-1`, `c-${id}-2`], true);
  await messages.recordAttemptOutcome(id, 1, 'alpha', 'delivered', { carrierMessageId: `c-${id}-1`, receiptState: 'DELIVRD' });
  await messages.finalize({ messageId: id, status: 'delivered', carrierId: 'alpha', attempts: 1 });
}

it('writes the row, attempt, parts, event, callback and SMPP receipt of each change, and wakes their senders', async () => {
  const id = await ownMessage({ callback: true, smpp: true });
  await deliver(id);

  const [row] = await db.query(`SELECT status, carrier_id, attempts, country, routing_rule_id, callback_sequence FROM messages WHERE id = $1`, [id]);
  expect(row).toEqual({ status: 'delivered', carrier_id: 'alpha', attempts: 1, country: 'US', routing_rule_id: 'default', callback_sequence: 3 });
  const attempts = await db.query(`SELECT attempt, carrier_id, carrier_message_id, status, error, receipts_first_part_only, submitted_at IS NOT NULL AS submitted, completed_at IS NOT NULL AS completed FROM message_attempts WHERE message_id = $1`, [id]);
  expect(attempts).toEqual([{ attempt: 1, carrier_id: 'alpha', carrier_message_id: `c-${id}-1`, status: 'delivered', error: null, receipts_first_part_only: true, submitted: true, completed: true }]);
  const parts = await db.query(`SELECT carrier_message_id, part_number FROM message_parts WHERE message_id = $1 ORDER BY part_number`, [id]);
  expect(parts).toEqual([
    { carrier_message_id: `c-${id}-1`, part_number: 1 },
    { carrier_message_id: `c-${id}-2`, part_number: 2 },
  ]);

  const events = await db.query(`SELECT type, carrier_id, attempt, detail FROM message_events WHERE message_id = $1 ORDER BY id`, [id]);
  expect(events).toEqual([
    { type: 'queued', carrier_id: null, attempt: null, detail: { ruleId: 'default' } },
    { type: 'submit_attempt', carrier_id: 'alpha', attempt: 1, detail: null },
    { type: 'submitted', carrier_id: 'alpha', attempt: 1, detail: { carrierMessageId: `c-${id}-1`, partIds: [`c-${id}-1`, `c-${id}-2`] } },
    { type: 'receipt', carrier_id: 'alpha', attempt: 1, detail: { carrierMessageId: `c-${id}-1`, receiptState: 'DELIVRD' } },
    { type: 'delivered', carrier_id: 'alpha', attempt: 1, detail: null },
  ]);

  const callbacks = await db.query(`SELECT status, url, payload FROM status_callbacks WHERE message_id = $1 ORDER BY id`, [id]);
  expect(callbacks.map((c: { status: string; payload: { status: string; sequence: number; carrierId: string | null } }) => [c.status, c.payload.status, c.payload.sequence, c.payload.carrierId])).toEqual([
    ['queued', 'queued', 1, null],
    ['submitted', 'submitted', 2, 'alpha'],
    ['delivered', 'delivered', 3, 'alpha'],
  ]);
  expect(callbacks[2].url).toBe('https://example.com/status');

  const receipts = await db.query(`SELECT system_id, kind, payload FROM smpp_deliveries WHERE message_id = $1`, [id]);
  expect(receipts).toHaveLength(1);
  expect(receipts[0]).toMatchObject({ system_id: 'acme', kind: 'receipt', payload: { messageId: id, status: 'delivered', from: 'Acme', to: '+14155552671', segments: 2 } });

  await settle();
  expect(heard.filter((n) => n.channel === STATUS_CALLBACKS_CHANNEL)).toHaveLength(3);
  expect(heard.filter((n) => n.channel === SMPP_DELIVERIES_CHANNEL)).toEqual([{ channel: SMPP_DELIVERIES_CHANNEL, payload: accountId }]);
});

it('records nothing more when an activity runs a change again, and returns the submitted id to a retried submit', async () => {
  const id = await ownMessage({ callback: true, smpp: true });
  await deliver(id);
  await settle();
  heard.length = 0;

  expect(await messages.startAttempt(id, 1, 'alpha')).toBe(`c-${id}-1`);
  await messages.markQueued(id, { routingVersion: null, ruleId: 'default', detail: {} });
  await messages.recordAttemptOutcome(id, 1, 'alpha', 'delivered', { receiptState: 'DELIVRD' });
  await messages.finalize({ messageId: id, status: 'delivered', carrierId: 'alpha', attempts: 1 });

  const counts = await db.query(
    `SELECT (SELECT count(*)::int FROM message_events WHERE message_id = $1) AS events, (SELECT count(*)::int FROM status_callbacks WHERE message_id = $1) AS callbacks,
            (SELECT count(*)::int FROM smpp_deliveries WHERE message_id = $1) AS receipts, (SELECT callback_sequence FROM messages WHERE id = $1) AS sequence`,
    [id],
  );
  expect(counts).toEqual([{ events: 5, callbacks: 3, receipts: 1, sequence: 3 }]);
  await settle();
  expect(heard).toEqual([]);
});

it('starts an attempt again on another carrier, and records a failed attempt with its error and event', async () => {
  const id = await ownMessage({ callback: false, smpp: false });
  await messages.markQueued(id, { routingVersion: null, ruleId: 'default', detail: {} });
  expect(await messages.startAttempt(id, 1, 'alpha')).toBeNull();
  // The first try never reached the carrier; the retry goes to another one under the same attempt.
  expect(await messages.startAttempt(id, 1, 'beta')).toBeNull();
  await messages.recordAttemptOutcome(id, 1, 'beta', 'submit_failed', { reason: 'bind down', code: 'carrier_unavailable' });
  await messages.finalize({ messageId: id, status: 'failed', attempts: 1, reason: 'bind down', error: { code: 'carrier_unavailable', rawCode: 'x' } });

  const [attempt] = await db.query(`SELECT carrier_id, status, error::jsonb AS error FROM message_attempts WHERE message_id = $1`, [id]);
  expect(attempt).toEqual({ carrier_id: 'beta', status: 'submit_failed', error: { reason: 'bind down', code: 'carrier_unavailable' } });
  const events = await db.query(`SELECT type, carrier_id, detail FROM message_events WHERE message_id = $1 ORDER BY id`, [id]);
  expect(events.map((e: { type: string; carrier_id: string | null }) => [e.type, e.carrier_id])).toEqual([
    ['queued', null],
    ['submit_attempt', 'alpha'],
    ['submit_attempt', 'beta'],
    ['submit_failed', 'beta'],
    ['failed', null],
  ]);
  expect(events[4].detail).toEqual({ reason: 'bind down', code: 'carrier_unavailable', rawCode: 'x' });
  // No callback URL, no SMPP source: nothing queued, nothing counted, nobody woken.
  const [row] = await db.query(`SELECT status, failure_reason, failure_code, carrier_error_code, callback_sequence FROM messages WHERE id = $1`, [id]);
  expect(row).toEqual({ status: 'failed', failure_reason: 'bind down', failure_code: 'carrier_unavailable', carrier_error_code: 'x', callback_sequence: 0 });
  expect(await db.query(`SELECT 1 FROM status_callbacks WHERE message_id = $1 UNION ALL SELECT 1 FROM smpp_deliveries WHERE message_id = $1`, [id])).toEqual([]);
  await settle();
  expect(heard).toEqual([]);
});
