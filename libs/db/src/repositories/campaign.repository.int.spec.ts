// A campaign's report against a real PostgreSQL: every figure counted from the rows (messages
// joined by campaign_id, their attempts and the carriers' prices), and the export's rows.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { CampaignRepository } from './campaign.repository';
import { MessageRepository } from './message.repository';

let db: DataSource;
let campaigns: CampaignRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  campaigns = new CampaignRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`campaign-report-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

it('reports outcomes, failures by code, cost per delivered, receipt latency, by country and by carrier', async () => {
  const [priced, unpriced] = [`rep-a-${randomUUID().slice(0, 8)}`, `rep-b-${randomUUID().slice(0, 8)}`];
  for (const [id, costs] of [
    [priced, { US: 0.01, '*': 0.05 }],
    [unpriced, {}],
  ] as const) {
    await db.query(`INSERT INTO carriers (id, connector_type, host, port, system_id, priority, costs) VALUES ($1, 'smpp', '127.0.0.1', 1, 'x', 99, $2)`, [id, JSON.stringify(costs)]);
  }
  const campaign = await campaigns.create({
    id: randomUUID(),
    accountId,
    name: 'report',
    from: 'Acme',
    senderPool: null,
    message: { default: 'Hi' },
    category: 'transactional',
    startAt: null,
    quietHours: null,
    throttleMps: null,
    validitySeconds: null,
    smartEncoding: false,
    transliterate: false,
  });
  const n = Math.floor(Math.random() * 8_000_000) + 1_000_000;
  const phones = [`+1415${n}`, `+1415${n + 1}`, `+38591${n}`, `+38591${n + 2}`];
  await campaigns.addRecipients(campaign, [phones.map((phone, i) => ({ phone, country: i < 2 ? 'US' : 'HR', locale: null, variables: {} }))]);
  await campaigns.transition(campaign.id, ['draft'], 'running');
  await campaigns.preparePage(campaign.id, 10, async (_, recipients) =>
    recipients.map((r) => ({ recipientId: r.id, state: 'sent', message: { id: randomUUID(), to: r.phone, from: 'Acme', body: 'Hi', encoding: 'GSM-7', segments: 1, country: r.country }, detail: {} })),
  );
  const ids = new Map<string, string>(
    ((await db.query(`SELECT id, to_number FROM messages WHERE campaign_id = $1`, [campaign.id])) as { id: string; to_number: string }[]).map((m) => [m.to_number, m.id]),
  );
  const attempt = (phone: string, n: number, carrier: string, status: string, latencyMs: number | null) =>
    db.query(
      `INSERT INTO message_attempts (message_id, attempt, carrier_id, status, submitted_at, completed_at)
       VALUES ($1, $2, $3, $4, '2026-12-01T10:00:00Z', $5)`,
      [ids.get(phone), n, carrier, status, latencyMs === null ? null : new Date(Date.parse('2026-12-01T10:00:00Z') + latencyMs)],
    );
  const final = (phone: string, status: string, carrier: string | null, code: string | null = null) =>
    db.query(`UPDATE messages SET status = $2, carrier_id = $3, failure_code = $4 WHERE id = $1`, [ids.get(phone), status, carrier, code]);
  // US 1: delivered by the priced carrier in 1 s. US 2: refused there, delivered by the unpriced one in 3 s.
  await attempt(phones[0], 1, priced, 'delivered', 1000);
  await final(phones[0], 'delivered', priced);
  await attempt(phones[1], 1, priced, 'submit_failed', null);
  await attempt(phones[1], 2, unpriced, 'delivered', 3000);
  await final(phones[1], 'delivered', unpriced);
  // HR 1: two segments, undeliverable on the priced carrier ('*' price). HR 2: cancelled before any page.
  await db.query(`UPDATE messages SET segments = 2 WHERE id = $1`, [ids.get(phones[2])]);
  await attempt(phones[2], 1, priced, 'receipt_failed', 2000);
  await final(phones[2], 'failed', priced, 'undeliverable');
  await final(phones[3], 'cancelled', null);

  const report = await campaigns.report(campaign.id);
  expect(report).toMatchObject({ sent: 3, delivered: 2, failed: 1, cancelled: 1, inFlight: 0, failedByCode: { undeliverable: 1 }, unpricedAttempts: 1, optedOut: 0 });
  expect(report.cost).toBeCloseTo(0.01 + 2 * 0.05);
  expect(report.costPerDelivered).toBeCloseTo(0.11 / 2);
  expect(report.receiptLatencyMs).toEqual({ median: 2000, p95: 2900 });
  expect(report.byCountry.map((c) => ({ ...c, cost: Math.round(c.cost * 1000) / 1000 }))).toEqual([
    { country: 'HR', sent: 1, delivered: 0, failed: 1, cost: 0.1 },
    { country: 'US', sent: 2, delivered: 2, failed: 0, cost: 0.01 },
  ]);
  expect(report.byCarrier.find((c) => c.carrierId === priced)).toMatchObject({ attempts: 3, delivered: 1, failed: 2, receiptLatencyMs: { median: 1000, p95: 1000 } });
  expect(report.byCarrier.find((c) => c.carrierId === unpriced)).toMatchObject({ attempts: 1, delivered: 1, failed: 0, cost: 0, receiptLatencyMs: { median: 3000 } });

  const rows = await campaigns.outcomes(campaign.id, '0', 2);
  expect(rows.map((r) => [r.phone, r.state, r.status])).toEqual([
    [phones[0], 'sent', 'delivered'],
    [phones[1], 'sent', 'delivered'],
  ]);
  expect((await campaigns.outcomes(campaign.id, rows[1].id, 10)).map((r) => r.status)).toEqual(['failed', 'cancelled']);
  await db.query(`DELETE FROM message_attempts WHERE carrier_id = ANY($1::text[])`, [[priced, unpriced]]);
  await db.query(`DELETE FROM carriers WHERE id = ANY($1::text[])`, [[priced, unpriced]]);
});

it('cancels the messages no page has taken and those that left their page while their own start is still due, not the leased or the paged', async () => {
  const messages = new MessageRepository(db);
  const campaignId = randomUUID();
  const base = { accountId, to: '+14155552671', from: 'Acme', body: 'x', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'marketing' } as const;
  const [waiting, paged, due, leased] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await messages.insertAcceptedMany([
    { ...base, id: waiting, delivery: 'batch' },
    { ...base, id: paged, delivery: 'batch' },
  ]);
  // Left their page for a workflow of their own (a voice-fallback route): accepted, with a start intent.
  await messages.insertAccepted({ ...base, id: due, delivery: 'workflow' });
  await messages.insertAccepted({ ...base, id: leased, delivery: 'workflow' });
  await db.query(`UPDATE messages SET campaign_id = $1 WHERE id = ANY($2::uuid[])`, [campaignId, [waiting, paged, due, leased]]);
  await db.query(`UPDATE messages SET batch_id = $2, status = 'queued' WHERE id = $1`, [paged, randomUUID()]);
  await db.query(`UPDATE workflow_starts SET not_before = now() + interval '1 minute' WHERE message_id = $1`, [leased]); // a dispatcher is starting it

  expect(await campaigns.cancelWaiting(campaignId)).toBe(2);
  const statuses = new Map(((await db.query(`SELECT id, status FROM messages WHERE id = ANY($1::uuid[])`, [[waiting, paged, due, leased]])) as { id: string; status: string }[]).map((r) => [r.id, r.status]));
  expect(Object.fromEntries([waiting, paged, due, leased].map((id, i) => [['waiting', 'paged', 'due', 'leased'][i], statuses.get(id)]))).toEqual({ waiting: 'cancelled', paged: 'queued', due: 'cancelled', leased: 'accepted' });
  const intents = ((await db.query(`SELECT message_id FROM workflow_starts WHERE message_id = ANY($1::uuid[])`, [[due, leased]])) as { message_id: string }[]).map((r) => r.message_id);
  expect(intents).toEqual([leased]); // the cancelled message's start is gone with it
  expect(await campaigns.cancelWaiting(campaignId)).toBe(0);
});
