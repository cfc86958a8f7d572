// Two-way messaging against a real PostgreSQL: each MO stored once (carrier id, content key,
// parts), joined to its conversation with its signal intent in one transaction, replies joining
// the conversation at accept, forwarding once, the account-scoped paginated lists, and webhook
// secrets with rotation.
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { SecretBox } from '../secrets';
import { AccountRepository } from './account.repository';
import { ConversationRepository, decodeCursor } from './conversation.repository';
import { InboundRepository } from './inbound.repository';
import { SenderRepository } from './sender.repository';
import { MessageRepository, NewMessage } from './message.repository';
import { WebhookSecretRepository } from './webhook-secret.repository';
import { openSealed } from '../../../../test/support/sealed';

let db: DataSource;
let inbound: InboundRepository;
let conversations: ConversationRepository;
let messages: MessageRepository;
let accounts: AccountRepository;
let accountId: string;
let otherAccountId: string;

const number = () => `+1415${randomInt(2_000_000, 9_999_999)}`;
const carrier = () => `c-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  inbound = new InboundRepository(db, 60);
  conversations = new ConversationRepository(db);
  messages = new MessageRepository(db);
  accounts = new AccountRepository(db);
  accountId = (await accounts.createWithKey(`two-way-${randomUUID()}`)).accountId;
  otherAccountId = (await accounts.createWithKey(`two-way-other-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

async function ownedNumber(owner = accountId): Promise<string> {
  const n = number();
  expect(await new SenderRepository(db).assignNumber({ number: n, accountId: owner, kind: 'long_code', country: 'US', carrierId: null, capabilities: ['sms', 'inbound'] })).not.toBeNull();
  return n;
}

const intentsFor = async (refId: string) => (await db.query(`SELECT kind, conversation_id FROM conversation_signals WHERE ref_id = $1`, [refId])) as { kind: string; conversation_id: string }[];

function outbound(from: string, to: string, owner = accountId): NewMessage {
  return { id: randomUUID(), accountId: owner, to, from, body: 'reply', encoding: 'GSM-7', segments: 1, statusCallbackUrl: null, idempotencyKey: null, requestHash: 'h', priority: 'transactional' };
}

describe('storing an MO', () => {
  it('stores a carrier retry with the same MO id once, and queues one signal for its conversation', async () => {
    const [to, from, c] = [await ownedNumber(), number(), carrier()];
    const first = await inbound.store({ carrierId: c, from, to, body: 'hello', carrierMoId: 'mo-1' });
    const again = await inbound.store({ carrierId: c, from, to, body: 'hello', carrierMoId: 'mo-1' });
    expect(first).toMatchObject({ outcome: 'stored', accountId });
    if (first.outcome !== 'stored') throw new Error('not stored');
    expect(again).toEqual({ outcome: 'duplicate', id: first.id });
    expect(await intentsFor(first.id)).toEqual([{ kind: 'inbound', conversation_id: first.conversationId }]);
    // The same id from another carrier is another MO.
    expect(await inbound.store({ carrierId: carrier(), from, to, body: 'hello', carrierMoId: 'mo-1' })).toMatchObject({ outcome: 'stored' });
  });

  it('without a carrier id, stores the same text from the same handset once within the window, and again after it', async () => {
    const [to, from, c] = [await ownedNumber(), number(), carrier()];
    const first = await inbound.store({ carrierId: c, from, to, body: 'yes' });
    expect(first.outcome).toBe('stored');
    expect(await inbound.store({ carrierId: c, from, to, body: 'yes' })).toMatchObject({ outcome: 'duplicate' });
    expect(await inbound.store({ carrierId: c, from, to, body: 'yes please' })).toMatchObject({ outcome: 'stored' });
    // A window of 0 s: remembered by content for no time at all.
    expect(await new InboundRepository(db, 0).store({ carrierId: c, from, to, body: 'yes' })).toMatchObject({ outcome: 'stored' });
  });

  it('stores concurrent deliveries of one MO once', async () => {
    const [to, from, c] = [await ownedNumber(), number(), carrier()];
    const results = await Promise.all(Array.from({ length: 6 }, () => inbound.store({ carrierId: c, from, to, body: 'race', carrierMoId: 'mo-race' })));
    expect(results.filter((r) => r.outcome === 'stored')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(5);
  });

  it('joins the parts of a concatenated MO in order, whatever order and repeats they arrive in, into one message', async () => {
    const [to, from, c] = [await ownedNumber(), number(), carrier()];
    const part = (sequence: number, body: string) => inbound.store({ carrierId: c, from, to, body, part: { reference: 7, total: 3, sequence } });
    expect(await part(3, 'three')).toEqual({ outcome: 'part_stored' });
    expect(await part(1, 'one-')).toEqual({ outcome: 'part_stored' });
    expect(await part(1, 'one-')).toEqual({ outcome: 'part_stored' });
    const done = await part(2, 'two-');
    expect(done).toMatchObject({ outcome: 'stored' });
    if (done.outcome !== 'stored') throw new Error('not stored');
    const [stored] = await db.query(`SELECT body, parts FROM inbound_messages WHERE id = $1`, [done.id]);
    expect({ body: await openSealed(db, stored.body), parts: stored.parts }).toEqual({ body: 'one-two-three', parts: 3 });
    expect(await db.query(`SELECT count(*)::int AS n FROM inbound_parts WHERE carrier_id = $1`, [c])).toEqual([{ n: 0 }]);
  });

  it('stores an MO for a number nobody holds without a conversation or a signal', async () => {
    const stored = await inbound.store({ carrierId: carrier(), from: number(), to: number(), body: 'anyone?' });
    expect(stored).toMatchObject({ outcome: 'stored', accountId: null, conversationId: null });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    expect(await intentsFor(stored.id)).toEqual([]);
  });

  it('keeps one conversation per (our number, subscriber)', async () => {
    const [to, a, b, c] = [await ownedNumber(), number(), number(), carrier()];
    const first = await inbound.store({ carrierId: c, from: a, to, body: '1' });
    const second = await inbound.store({ carrierId: c, from: a, to, body: '2' });
    const other = await inbound.store({ carrierId: c, from: b, to, body: '1' });
    if (first.outcome !== 'stored' || second.outcome !== 'stored' || other.outcome !== 'stored') throw new Error('not stored');
    expect(second.conversationId).toBe(first.conversationId);
    expect(other.conversationId).not.toBe(first.conversationId);
    expect(await db.query(`SELECT sequence FROM inbound_messages WHERE id = ANY($1::uuid[]) ORDER BY sequence`, [[first.id, second.id]])).toEqual([{ sequence: 1 }, { sequence: 2 }]);
  });
});

describe('replies', () => {
  it('join the conversation at accept, single and multi-row, only from the account that holds it, with a reply signal', async () => {
    const [ours, subscriber] = [await ownedNumber(), number()];
    const mo = await inbound.store({ carrierId: carrier(), from: subscriber, to: ours, body: 'hi' });
    if (mo.outcome !== 'stored') throw new Error('not stored');
    const single = outbound(ours, subscriber);
    const many = [outbound(ours, subscriber), outbound(ours, number())];
    const foreign = outbound(ours, subscriber, otherAccountId);
    expect(await messages.insertAccepted(single)).toBe(true);
    await messages.insertAcceptedMany(many.map((m) => ({ ...m, delivery: 'batch' })));
    await messages.insertAccepted(foreign);
    const joined = (await db.query(`SELECT id, conversation_id FROM messages WHERE id = ANY($1::uuid[])`, [[single.id, ...many.map((m) => m.id), foreign.id]])) as { id: string; conversation_id: string | null }[];
    const byId = new Map(joined.map((r) => [r.id, r.conversation_id]));
    expect(byId.get(single.id)).toBe(mo.conversationId);
    expect(byId.get(many[0].id)).toBe(mo.conversationId);
    expect(byId.get(many[1].id)).toBeNull();
    expect(byId.get(foreign.id)).toBeNull();
    expect(await intentsFor(single.id)).toEqual([{ kind: 'reply', conversation_id: mo.conversationId }]);
    expect(await intentsFor(foreign.id)).toEqual([]);
  });
});

describe('the conversation activities', () => {
  it('record an MO, and forward it once to the webhook outbox and the SMPP outbox of its account', async () => {
    const owner = (await accounts.createWithKey(`two-way-fwd-${randomUUID()}`)).accountId;
    const ours = await ownedNumber(owner);
    await db.query(`UPDATE accounts SET inbound_webhook_url = 'https://example.com/in' WHERE id = $1`, [owner]);
    await db.query(`INSERT INTO smpp_credentials (system_id, account_id, password_hash, max_binds, throughput_per_second) VALUES ($1, $2, 'x', 1, 10)`, [`s${randomInt(1e6)}`, owner]);
    const mo = await inbound.store({ carrierId: carrier(), from: number(), to: ours, body: 'forward me', carrierMoId: randomUUID() });
    if (mo.outcome !== 'stored') throw new Error('not stored');
    expect(await conversations.recordInbound(mo.id)).toEqual({ accountId: owner, first: true });
    expect(await conversations.forwardInbound(mo.id)).toEqual(['webhook', 'smpp']);
    expect(await conversations.forwardInbound(mo.id)).toEqual(['webhook', 'smpp']);
    expect(await conversations.recordInbound(mo.id)).toEqual({ accountId: owner, first: false });
    const hooks = (await db.query(`SELECT kind, url, payload, event_id FROM status_callbacks WHERE inbound_id = $1`, [mo.id])) as { kind: string; url: string; payload: Record<string, unknown>; event_id: string }[];
    expect(hooks).toEqual([
      { kind: 'inbound', url: 'https://example.com/in', event_id: expect.any(String), payload: expect.objectContaining({ id: mo.id, conversationId: mo.conversationId, to: ours, body: expect.stringMatching(/^enc1:/), sequence: 1 }) },
    ]);
    // The body rides the outbox sealed, as it is at rest.
    expect(await openSealed(db, hooks[0].payload.body as string)).toBe('forward me');
    expect(await db.query(`SELECT count(*)::int AS n FROM smpp_deliveries WHERE payload->>'inboundId' = $1`, [mo.id])).toEqual([{ n: 1 }]);
  });

  it('forward nothing for an account without a webhook URL or SMPP logins', async () => {
    const mo = await inbound.store({ carrierId: carrier(), from: number(), to: await ownedNumber(), body: 'nobody listens' });
    if (mo.outcome !== 'stored') throw new Error('not stored');
    expect(await conversations.forwardInbound(mo.id)).toEqual([]);
  });
});

describe('lists', () => {
  it('page through the messages of one account, both directions, filtered, and never another account’s', async () => {
    const owner = (await accounts.createWithKey(`two-way-list-${randomUUID()}`)).accountId;
    const ours = await ownedNumber(owner);
    const subscriber = number();
    const c = carrier();
    for (let i = 0; i < 3; i += 1) await inbound.store({ carrierId: c, from: subscriber, to: ours, body: `in ${i}` });
    for (let i = 0; i < 2; i += 1) await messages.insertAccepted({ ...outbound(ours, subscriber, owner), body: `out ${i}` });
    await messages.insertAccepted(outbound(ours, subscriber, otherAccountId));

    const seen: string[] = [];
    let cursor: { ts: string; id: string } | null = null;
    for (let page = 0; page < 5; page += 1) {
      const result = await conversations.listMessages(owner, {}, 2, cursor);
      seen.push(...result.items.map((m) => m.body));
      if (!result.nextCursor) break;
      cursor = decodeCursor(result.nextCursor);
    }
    expect(seen.sort()).toEqual(['in 0', 'in 1', 'in 2', 'out 0', 'out 1']);
    expect((await conversations.listMessages(owner, { direction: 'inbound' }, 10, null)).items.map((m) => m.direction)).toEqual(['inbound', 'inbound', 'inbound']);
    expect((await conversations.listMessages(owner, { direction: 'outbound', to: subscriber }, 10, null)).items).toHaveLength(2);
    expect((await conversations.listMessages(owner, { status: 'received' }, 10, null)).items).toHaveLength(3);
    expect((await conversations.listMessages(owner, { status: 'accepted' }, 10, null)).items).toHaveLength(2);
    expect((await conversations.listMessages(owner, { since: new Date(Date.now() + 60_000) }, 10, null)).items).toEqual([]);

    const list = await conversations.listConversations(owner, 10, null);
    expect(list.items).toEqual([expect.objectContaining({ ourNumber: ours, subscriber, inboundCount: 3 })]);
    const detail = await conversations.getConversation(owner, list.items[0].id, 100);
    expect(detail?.messages.map((m) => `${m.direction}:${m.body}`)).toEqual(['inbound:in 0', 'inbound:in 1', 'inbound:in 2', 'outbound:out 0', 'outbound:out 1']);
    expect(await conversations.getConversation(otherAccountId, list.items[0].id, 100)).toBeNull();
  });
});

describe('webhook secrets', () => {
  it('creates one with the first URL, signs with two during a rotation, and retires the current one at once with an overlap of 0', async () => {
    const owner = (await accounts.createWithKey(`two-way-secrets-${randomUUID()}`)).accountId;
    const secrets = new WebhookSecretRepository(db, new SecretBox(SecretBox.generateKey()));
    const { secret } = await secrets.setInboundWebhookUrl(owner, 'https://example.com/in');
    expect(secret).toMatch(/^whsec_/);
    expect(await secrets.setInboundWebhookUrl(owner, 'https://example.com/in2')).toEqual({ secret: null });
    expect(await secrets.signingSecrets(owner)).toEqual([secret]);
    const rotated = await secrets.rotate(owner, 3600);
    expect(rotated.previousExpiresAt).toBeInstanceOf(Date);
    expect(await secrets.signingSecrets(owner)).toEqual([rotated.secret, secret]);
    // Overlap 0 retires the current secret at once; the first one keeps its earlier end.
    const again = await secrets.rotate(owner, 0);
    expect(await secrets.signingSecrets(owner)).toEqual([again.secret, secret]);
    // Stored sealed, never in clear.
    const stored = (await db.query(`SELECT sealed FROM webhook_secrets WHERE account_id = $1`, [owner])) as { sealed: string }[];
    expect(stored.some((s) => s.sealed.includes(again.secret))).toBe(false);
  });
});
