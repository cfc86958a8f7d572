// Opt-out and consent evidence against a real PostgreSQL: append-only (the trigger refuses
// changes), the outbound check of one message and of a page (rejected with its event, exempt
// categories and keyword confirmations sent with the exemption recorded, sender scope, the
// latest event deciding), the export's pages, and auto-reply rules.
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { AutoReplyRepository } from './auto-reply.repository';
import { ComplianceRepository, decodeEvidenceCursor } from './compliance.repository';
import { MessageRepository, NewMessage } from './message.repository';

let db: DataSource;
let compliance: ComplianceRepository;
let messages: MessageRepository;
let accountId: string;

const phone = () => `+1415${randomInt(2_000_000, 9_999_999)}`;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  compliance = new ComplianceRepository(db);
  messages = new MessageRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`compliance-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

function message(to: string, fields: Partial<NewMessage> = {}): NewMessage {
  return { id: randomUUID(), accountId, to, from: 'Acme', body: 'hi', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'transactional', ...fields };
}

async function accepted(to: string, fields: Partial<NewMessage> = {}): Promise<string> {
  const m = message(to, fields);
  expect(await messages.insertAccepted(m)).toBe(true);
  return m.id;
}

const row = async (id: string) =>
  ((await db.query(`SELECT status, failure_code, failure_reason FROM messages WHERE id = $1`, [id])) as { status: string; failure_code: string | null; failure_reason: string | null }[])[0];
const events = async (id: string) => (await messages.events(id)).map(({ type, detail }) => ({ type, detail }));

describe('evidence', () => {
  it('is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE of opt-out and consent events', async () => {
    const p = phone();
    await compliance.recordOptOut({ accountId, phone: p, optedOut: true, source: 'api' });
    await compliance.recordConsent({ accountId, phone: p, category: 'marketing', granted: true, source: 'api' });
    for (const table of ['opt_out_events', 'consent_events']) {
      await expect(db.query(`UPDATE ${table} SET source = 'operator' WHERE phone = $1`, [p])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM ${table} WHERE phone = $1`, [p])).rejects.toThrow(/append-only/);
      await expect(db.query(`TRUNCATE ${table}`)).rejects.toThrow(/append-only/);
    }
    expect((await compliance.listEvents(accountId, { phone: p }, 10, null)).items.map((e) => e.type)).toEqual(['opt_out', 'consent_granted']);
  });

  it('records one opt-out per inbound message (a retried keyword step gets the first id back)', async () => {
    const [p, inboundMessageId] = [phone(), randomUUID()];
    const first = await compliance.recordOptOut({ accountId, phone: p, optedOut: true, source: 'keyword', keyword: 'STOP', inboundMessageId });
    const again = await compliance.recordOptOut({ accountId, phone: p, optedOut: true, source: 'keyword', keyword: 'STOP', inboundMessageId });
    expect(again).toBe(first);
    const { items } = await compliance.listEvents(accountId, { phone: p }, 10, null);
    expect(items).toEqual([expect.objectContaining({ id: `opt-${first}`, type: 'opt_out', source: 'keyword', keyword: 'STOP', inboundMessageId, sender: null })]);
    expect(await compliance.getEvent(accountId, `opt-${first}`)).toEqual(items[0]);
  });

  it('pages the export by cursor, oldest first, across both tables, without repeats', async () => {
    const p = phone();
    for (let i = 0; i < 3; i += 1) {
      await compliance.recordOptOut({ accountId, phone: p, optedOut: i % 2 === 0, source: 'api' });
      await compliance.recordConsent({ accountId, phone: p, category: 'marketing', granted: i % 2 === 0, source: 'api' });
    }
    const seen: string[] = [];
    let cursor: ReturnType<typeof decodeEvidenceCursor> = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await compliance.listEvents(accountId, { phone: p }, 4, cursor);
      seen.push(...page.items.map((e) => e.id));
      if (!page.nextCursor) break;
      cursor = decodeEvidenceCursor(page.nextCursor);
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect((await compliance.listEvents(accountId, { phone: p, since: new Date(Date.now() + 60_000) }, 10, null)).items).toEqual([]);
  });
});

describe('checking one message', () => {
  it('clears a recipient with no opt-out', async () => {
    expect(await compliance.checkMessage(await accepted(phone()))).toEqual({ outcome: 'clear' });
  });

  it('rejects a message to an opted-out recipient, with its event naming the opt-out; the latest event decides', async () => {
    const p = phone();
    const optOut = await compliance.recordOptOut({ accountId, phone: p, optedOut: true, source: 'api' });
    const id = await accepted(p);
    const check = await compliance.checkMessage(id);
    expect(check).toMatchObject({ outcome: 'rejected', optOutEventId: optOut, error: { code: 'recipient_opted_out' } });
    expect(await row(id)).toEqual({ status: 'rejected', failure_code: 'recipient_opted_out', failure_reason: 'the recipient opted out' });
    expect((await events(id)).map((e) => e.type)).toEqual(['accepted', 'rejected']);
    expect(await compliance.checkMessage(id)).toMatchObject({ outcome: 'rejected' });
    expect((await events(id)).map((e) => e.type)).toEqual(['accepted', 'rejected']);

    await compliance.recordOptOut({ accountId, phone: p, optedOut: false, source: 'api' });
    expect(await compliance.checkMessage(await accepted(p))).toEqual({ outcome: 'clear' });
  });

  it('sends an exempt category (OTP by default) and a keyword confirmation, recording the exemption once', async () => {
    const p = phone();
    const optOut = await compliance.recordOptOut({ accountId, phone: p, optedOut: true, source: 'api' });
    const otp = await accepted(p, { priority: 'otp' });
    expect(await compliance.checkMessage(otp)).toEqual({ outcome: 'exempt', optOutEventId: optOut, reason: 'category:otp' });
    await compliance.checkMessage(otp);
    expect((await events(otp)).filter((e) => e.type === 'opt_out_exempt')).toEqual([{ type: 'opt_out_exempt', detail: { reason: 'category:otp', optOutEventId: optOut } }]);
    const confirmation = await accepted(p, { optOutExempt: 'keyword_confirmation' });
    expect(await compliance.checkMessage(confirmation)).toMatchObject({ outcome: 'exempt', reason: 'keyword_confirmation' });
    expect((await row(confirmation)).status).toBe('accepted');
  });

  it('follows the account settings: no exempt category means an OTP is rejected too', async () => {
    const own = (await new AccountRepository(db).createWithKey(`compliance-strict-${randomUUID()}`)).accountId;
    await compliance.updateSettings(own, { exemptCategories: [] });
    const p = phone();
    await compliance.recordOptOut({ accountId: own, phone: p, optedOut: true, source: 'api' });
    const id = randomUUID();
    await messages.insertAccepted({ ...message(p, { priority: 'otp' }), id, accountId: own });
    expect(await compliance.checkMessage(id)).toMatchObject({ outcome: 'rejected' });
    expect((await compliance.updateSettings(own, { exemptCategories: null }))!.exemptCategories).toEqual(['otp']);
  });

  it('an opt-out of one sender refuses that sender only; an operator opt-out applies to every account', async () => {
    const p = phone();
    await compliance.recordOptOut({ accountId, phone: p, optedOut: true, sender: '+14155550100', source: 'keyword' });
    expect(await compliance.checkMessage(await accepted(p, { from: '+14155550100' }))).toMatchObject({ outcome: 'rejected' });
    expect(await compliance.checkMessage(await accepted(p, { from: 'Acme' }))).toEqual({ outcome: 'clear' });
    const q = phone();
    await compliance.recordOptOut({ accountId: null, phone: q, optedOut: true, source: 'operator' });
    expect(await compliance.checkMessage(await accepted(q))).toMatchObject({ outcome: 'rejected' });
  });
});

describe('checking a page', () => {
  it('rejects the opted-out messages of a page in one pass, records exemptions, leaves the rest', async () => {
    const [out, otp, fine] = [phone(), phone(), phone()];
    await compliance.recordOptOut({ accountId, phone: out, optedOut: true, source: 'api' });
    await compliance.recordOptOut({ accountId, phone: otp, optedOut: true, source: 'api' });
    const batchId = randomUUID();
    const rows = [message(out, { delivery: 'batch' }), message(otp, { delivery: 'batch', priority: 'otp' }), message(fine, { delivery: 'batch' })];
    await messages.insertAcceptedMany(rows);
    await db.query(`UPDATE messages SET batch_id = $1, status = 'queued' WHERE id = ANY($2::uuid[])`, [batchId, rows.map((r) => r.id)]);
    await db.query(`INSERT INTO page_starts (batch_id, size, account_ids, unsubmitted) VALUES ($1, 3, $2, 3)`, [batchId, [accountId]]);
    const unsubmitted = async () => (await db.query(`SELECT unsubmitted FROM page_starts WHERE batch_id = $1`, [batchId]))[0].unsubmitted;
    expect(await compliance.checkPage(batchId)).toEqual({ rejected: 1, exempt: 1 });
    expect(await unsubmitted()).toBe(2); // the refused one will not be handed to a carrier
    expect((await row(rows[0].id)).status).toBe('rejected');
    expect((await row(rows[1].id)).status).toBe('queued');
    expect((await row(rows[2].id)).status).toBe('queued');
    expect((await events(rows[0].id)).map((e) => e.type)).toContain('rejected');
    expect((await events(rows[1].id)).map((e) => e.type)).toContain('opt_out_exempt');
    expect(await compliance.checkPage(batchId)).toEqual({ rejected: 0, exempt: 1 });
    expect(await unsubmitted()).toBe(2); // a retried check counts nothing twice
    expect((await events(rows[1].id)).filter((e) => e.type === 'opt_out_exempt')).toHaveLength(1);
  });
});

describe('auto-reply rules', () => {
  it('are created, listed, replaced and removed per account; a clashing rule is a conflict', async () => {
    const rules = new AutoReplyRepository(db);
    const own = (await new AccountRepository(db).createWithKey(`auto-${randomUUID()}`)).accountId;
    const rule = await rules.create(own, { keyword: 'Cijena', match: 'exact', locale: 'hr', reply: 'Cijene: …' });
    await expect(rules.create(own, { keyword: 'CIJENA ', match: 'exact', locale: 'hr', reply: 'x' })).rejects.toMatchObject({ code: 'auto_reply_exists' });
    expect((await rules.list(own)).map((r) => r.id)).toEqual([rule.id]);
    expect(await rules.update(own, rule.id, { keyword: 'price', match: 'prefix', locale: null, reply: 'Prices: …' })).toMatchObject({ keyword: 'price', match: 'prefix' });
    expect(await rules.get(accountId, rule.id)).toBeNull();
    expect(await rules.remove(own, rule.id)).toBe(true);
    expect(await rules.list(own)).toEqual([]);
  });
});
