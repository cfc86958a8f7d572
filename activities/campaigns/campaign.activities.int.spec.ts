// The campaign page against a real PostgreSQL (CampaignRepository, PgAudienceCompliance):
// opt-out and consent checks recorded on the recipient, locale templates and personalization,
// quiet hours and validity, messages inserted into the paged path once per recipient however
// often a page is retried, nothing taken from a paused campaign, and cancel.
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountRepository, CampaignRepository, NewCampaign, openDatabase, PgAudienceCompliance, SenderRepository } from '@app/db';
import { testDatabaseUrl, testKms } from '../../test/support/env';
import { grantSenders } from '../../test/support/senders';
import { createCampaignActivities, senderFor } from './campaign.activities';
import { openSealed } from '../../test/support/sealed';

let db: DataSource;
let campaigns: CampaignRepository;
let compliance: PgAudienceCompliance;
let accountId: string;
let clock = new Date();
let activities: ReturnType<typeof createCampaignActivities>;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  campaigns = new CampaignRepository(db);
  compliance = new PgAudienceCompliance(db);
  accountId = (await new AccountRepository(db).createWithKey(`campaigns-${randomUUID()}`)).accountId;
  // Acme, approved in Croatia (the recipients here are mostly Croatian).
  await grantSenders(db, accountId, { registrations: [{ senderId: 'Acme', country: 'HR', status: 'approved' }] });
  activities = createCampaignActivities({ campaigns, compliance, senders: new SenderRepository(db), now: () => clock });
});
afterAll(async () => {
  await db?.destroy();
});
beforeEach(() => {
  clock = new Date();
});

let nextNumber = Math.floor(Math.random() * 8_000_000) + 1_000_000;
const hr = () => `+38591${nextNumber++}`;
const us = () => `+1415${nextNumber++}`;

async function runningCampaign(overrides: Partial<NewCampaign> = {}, recipients: { phone: string; country: string; locale?: string; name?: string; consent?: boolean }[] = []) {
  const campaign = await campaigns.create({
    id: randomUUID(),
    accountId,
    name: 't',
    from: 'Acme',
    senderPool: null,
    message: { default: 'Hi {{name}}', locales: { hr: 'Bok {{name}} čao' } },
    category: 'marketing',
    startAt: null,
    quietHours: null,
    throttleMps: null,
    validitySeconds: null,
    smartEncoding: false,
    transliterate: false,
    ...overrides,
  });
  await campaigns.addRecipients(campaign, [
    recipients.map((r) => ({ phone: r.phone, country: r.country, locale: r.locale ?? null, variables: { name: r.name ?? 'X' }, consent: r.consent ?? true })),
  ]);
  await campaigns.transition(campaign.id, ['draft'], 'running');
  return campaign.id;
}

const recipientRows = async (campaignId: string) =>
  (await db.query(`SELECT phone, state, detail, message_id, not_before FROM campaign_recipients WHERE campaign_id = $1 ORDER BY id`, [campaignId])) as {
    phone: string;
    state: string;
    detail: Record<string, unknown>;
    message_id: string | null;
    not_before: Date | null;
  }[];

it('skips opted-out and non-consenting recipients with the records that decided, and sends the rest their locale\'s text', async () => {
  const [a, b, c, d] = [hr(), us(), us(), us()];
  await compliance.recordOptOut(accountId, b, true, 'api');
  await compliance.recordOptOut(null, d, true, 'api'); // an opt-out for every account…
  await compliance.recordOptOut(accountId, d, false, 'api'); // …then this account's opt-in: the latest decides
  const id = await runningCampaign({}, [
    { phone: a, country: 'HR', locale: 'hr', name: 'Ana' },
    { phone: b, country: 'US', locale: 'en' },
    { phone: c, country: 'US', locale: 'en', consent: false },
    { phone: d, country: 'US', locale: 'pt-BR', name: 'Dan' },
  ]);
  const page = await activities.prepareCampaignPage({ campaignId: id, limit: 10 });
  expect(page).toEqual({ status: 'running', processed: 4, sent: 2, skipped: 2, deferred: 0, remaining: 0, nextDeferredAt: null });
  const rows = await recipientRows(id);
  expect(rows.map((r) => r.state)).toEqual(['sent', 'opted_out', 'no_consent', 'sent']);
  expect(rows[1].detail.optOutEventId).toEqual(expect.any(String));
  expect(rows[2].detail).toMatchObject({ consentEventId: null });
  const messages = await Promise.all(
    (
      await db.query(
        `SELECT to_number, body, encoding, delivery, priority, status, country, campaign_recipient_id IS NOT NULL AS linked FROM messages WHERE campaign_id = $1 ORDER BY to_number`,
        [id],
      )
    ).map(async (m: { body: string }) => ({ ...m, body: await openSealed(db, m.body) })),
  );
  expect(messages).toEqual(
    [
      { to_number: d, body: 'Hi Dan', encoding: 'GSM-7', delivery: 'batch', priority: 'marketing', status: 'accepted', country: 'US', linked: true },
      { to_number: a, body: 'Bok Ana čao', encoding: 'UCS-2', delivery: 'batch', priority: 'marketing', status: 'accepted', country: 'HR', linked: true },
    ].sort((x, y) => x.to_number.localeCompare(y.to_number)),
  );
  expect((await campaigns.counters(id)).recipients).toMatchObject({ total: 4, sent: 2, opted_out: 1, no_consent: 1 });
});

it('sends a Croatian text as GSM-7 when the campaign transliterates', async () => {
  const id = await runningCampaign({ category: 'transactional', transliterate: true }, [{ phone: hr(), country: 'HR', locale: 'hr', name: 'Đurđa' }]);
  await activities.prepareCampaignPage({ campaignId: id, limit: 10 });
  const [stored] = await db.query(`SELECT body, encoding FROM messages WHERE campaign_id = $1`, [id]);
  expect({ body: await openSealed(db, stored.body), encoding: stored.encoding }).toEqual({ body: 'Bok Durda cao', encoding: 'GSM-7' });
});

it('applies the sender rule per recipient: a sender ID not approved in Croatia sends only elsewhere', async () => {
  await grantSenders(db, accountId, { senderIds: ['Pending'], registrations: [{ senderId: 'Pending', country: 'HR', status: 'pending' }] });
  const [croat, american] = [hr(), us()];
  const id = await runningCampaign({ category: 'transactional', from: 'Pending' }, [
    { phone: croat, country: 'HR' },
    { phone: american, country: 'US' },
  ]);
  await activities.prepareCampaignPage({ campaignId: id, limit: 10 });
  expect(await db.query(`SELECT to_number, from_address FROM messages WHERE campaign_id = $1`, [id])).toEqual([{ to_number: american, from_address: 'Pending' }]);
  const [refused] = await db.query(`SELECT state, detail FROM campaign_recipients WHERE campaign_id = $1 AND phone = $2`, [id, croat]);
  expect(refused).toMatchObject({ state: 'invalid', detail: { reason: expect.stringMatching(/^sender_not_registered: /) } });
});

it('sends from a named sender pool: a recipient keeps the number it got before (REST or an earlier campaign)', async () => {
  const senders = new SenderRepository(db);
  const numbers = [0, 1].map(() => `+1415${randomInt(200, 999)}${String(randomInt(0, 10_000)).padStart(4, '0')}`);
  await grantSenders(db, accountId, { senderIds: [], numbers });
  const pool = await senders.createPool(accountId, `pool-${randomUUID()}`, numbers);
  if ('refused' in pool) throw new Error('pool refused');
  const [known, fresh] = [us(), us()];
  // The known subscriber got the second number before (say, from POST /v1/messages).
  expect(await senders.stickyNumber(pool.id, known, numbers[1])).toBe(numbers[1]);
  const first = await runningCampaign({ category: 'transactional', from: null, senderPoolName: pool.name }, [
    { phone: known, country: 'US' },
    { phone: fresh, country: 'US' },
  ]);
  await activities.prepareCampaignPage({ campaignId: first, limit: 10 });
  const sent: { to_number: string; from_address: string }[] = await db.query(`SELECT to_number, from_address FROM messages WHERE campaign_id = $1`, [first]);
  expect(sent.find((m) => m.to_number === known)?.from_address).toBe(numbers[1]);
  const freshNumber = sent.find((m) => m.to_number === fresh)?.from_address;
  expect(numbers).toContain(freshNumber);
  // A later campaign from the pool gives each the same number again.
  const second = await runningCampaign({ category: 'transactional', from: null, senderPoolName: pool.name }, [{ phone: fresh, country: 'US' }]);
  await activities.prepareCampaignPage({ campaignId: second, limit: 10 });
  expect(await db.query(`SELECT from_address FROM messages WHERE campaign_id = $1`, [second])).toEqual([{ from_address: freshNumber }]);
});

it('gives each recipient at most one message, however often a page is run again', async () => {
  const phones = Array.from({ length: 25 }, us);
  const id = await runningCampaign({ category: 'transactional' }, phones.map((phone) => ({ phone, country: 'US', consent: false })));
  const results = await Promise.all([1, 2, 3].map(() => activities.prepareCampaignPage({ campaignId: id, limit: 10 })));
  expect(results.reduce((n, r) => n + r.sent, 0)).toBe(25);
  // A retry after the commit finds nothing left.
  expect(await activities.prepareCampaignPage({ campaignId: id, limit: 10 })).toMatchObject({ processed: 0, remaining: 0 });
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id]);
  expect(n).toBe(25);
  // And the database refuses a second message for a recipient whatever the code does.
  const [one] = await db.query(`SELECT campaign_recipient_id FROM messages WHERE campaign_id = $1 LIMIT 1`, [id]);
  await expect(
    db.query(
      `INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash, delivery, campaign_id, campaign_recipient_id)
       VALUES ($1, $2, '+14155552671', 'Acme', 'x', 'GSM-7', 1, 'accepted', 'h', 'batch', $3, $4)`,
      [randomUUID(), accountId, id, one.campaign_recipient_id],
    ),
  ).rejects.toThrow(/messages_campaign_recipient/);
});

it('holds a recipient in its quiet hours until its local window opens, and expires one past the validity', async () => {
  // 23:30 in Zagreb (UTC+1 in December): inside 21:00–08:00.
  clock = new Date('2026-12-10T22:30:00Z');
  const a = hr();
  const id = await runningCampaign({ category: 'transactional', quietHours: { from: '21:00', to: '08:00' } }, [{ phone: a, country: 'HR' }]);
  const page = await activities.prepareCampaignPage({ campaignId: id, limit: 10 });
  expect(page).toMatchObject({ processed: 1, sent: 0, deferred: 1, remaining: 1, nextDeferredAt: '2026-12-11T07:00:00.000Z' });
  expect((await recipientRows(id))[0]).toMatchObject({ state: 'deferred', not_before: new Date('2026-12-11T07:00:00Z') });
  // Until the window opens the page takes nothing; then it sends.
  expect(await db.query(`SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND not_before <= now()`, [id])).toEqual([]);
  await db.query(`UPDATE campaign_recipients SET not_before = now() - interval '1 second' WHERE campaign_id = $1`, [id]);
  clock = new Date('2026-12-11T07:00:30Z');
  expect(await activities.prepareCampaignPage({ campaignId: id, limit: 10 })).toMatchObject({ processed: 1, sent: 1, remaining: 0 });

  clock = new Date('2026-12-10T22:30:00Z');
  const late = await runningCampaign({ category: 'transactional', quietHours: { from: '21:00', to: '08:00' }, validitySeconds: 3600 }, [{ phone: hr(), country: 'HR' }]);
  await db.query(`UPDATE campaigns SET started_at = $2 WHERE id = $1`, [late, clock]);
  expect(await activities.prepareCampaignPage({ campaignId: late, limit: 10 })).toMatchObject({ processed: 1, sent: 0, remaining: 0 });
  expect((await recipientRows(late))[0].state).toBe('expired');
});

it('takes nothing from a paused campaign; a cancel takes back waiting recipients and messages no page has', async () => {
  const phones = Array.from({ length: 6 }, us);
  const id = await runningCampaign({ category: 'transactional' }, phones.map((phone) => ({ phone, country: 'US' })));
  await activities.prepareCampaignPage({ campaignId: id, limit: 2 });
  await campaigns.transition(id, ['running'], 'paused');
  expect(await activities.prepareCampaignPage({ campaignId: id, limit: 2 })).toMatchObject({ status: 'paused', processed: 0, remaining: 4 });
  expect(await activities.cancelCampaign({ campaignId: id })).toEqual({ cancelledMessages: 2 });
  const counters = await campaigns.counters(id);
  expect(counters.recipients).toMatchObject({ sent: 2, cancelled: 4, pending: 0 });
  expect(counters.messages).toMatchObject({ cancelled: 2, accepted: 0 });
  expect((await campaigns.find(id))!.status).toBe('cancelled');
  expect(await activities.campaignInFlight({ campaignId: id })).toBe(0);
});

it('moves a scheduled campaign to running when its workflow pages it (its own start may have been lost)', async () => {
  const id = await runningCampaign({ category: 'transactional' }, [{ phone: us(), country: 'US' }]);
  await campaigns.transition(id, ['running'], 'scheduled');
  expect(await activities.prepareCampaignPage({ campaignId: id, limit: 5 })).toMatchObject({ status: 'running', sent: 1 });
  expect((await campaigns.find(id))!.status).toBe('running');
  await campaigns.transition(id, ['running'], 'draft');
  expect(await activities.prepareCampaignPage({ campaignId: randomUUID(), limit: 5 })).toMatchObject({ status: null, processed: 0 });
});

it('prepares no page while enough of the campaign\'s messages wait for the delivery engine', async () => {
  const held = createCampaignActivities({ campaigns, compliance, senders: new SenderRepository(db), maxBacklog: 3 });
  const id = await runningCampaign({ category: 'transactional' }, Array.from({ length: 8 }, () => ({ phone: us(), country: 'US' })));
  expect(await held.prepareCampaignPage({ campaignId: id, limit: 4 })).toMatchObject({ processed: 4, remaining: 4 });
  expect(await held.prepareCampaignPage({ campaignId: id, limit: 4 })).toMatchObject({ processed: 0, backlogged: true, remaining: 4 });
  // A page of the engine takes them: the campaign goes on.
  await db.query(`UPDATE messages SET status = 'queued', batch_id = id WHERE campaign_id = $1`, [id]);
  expect(await held.prepareCampaignPage({ campaignId: id, limit: 4 })).toMatchObject({ processed: 4, remaining: 0 });
});

it('takes the sender from the pool by the recipient\'s country, else one of the pool', () => {
  const pool = { from: null, senderPool: ['Acme', '+385911000000', '+14155550100'] };
  expect(senderFor(pool, { id: '7', country: 'HR' })).toBe('+385911000000');
  expect(senderFor(pool, { id: '7', country: 'US' })).toBe('+14155550100');
  expect(senderFor(pool, { id: '7', country: 'DE' })).toBe(pool.senderPool[7 % 3]);
  expect(senderFor({ from: 'Shop', senderPool: null }, { id: '1', country: 'US' })).toBe('Shop');
});
