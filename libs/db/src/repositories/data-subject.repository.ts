// Data subjects (GDPR): everything an account holds about one phone number, exported as JSON,
// and its erasure across every table that holds it, in bounded steps run by the `eraseSubject`
// workflow. An erasure leaves a tombstone (`erasures`): which account, a keyed hash of the
// number, who asked, when it was asked and done; never what was erased.
//
// Opt-out and consent evidence is kept (it proves that a subscriber's choice was honoured) but
// its phone becomes `erased:<hash>`, the tombstone's hash: the evidence no longer names the
// number, yet the opt-out checks still find it (erasedPhoneSql), so an erased subscriber who
// opted out stays opted out. The hash is keyed with a key outside the database, so a dump alone
// cannot be searched for numbers.
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TIMELINE_SQL } from './message-timeline';
import { returningRows } from './returning';
import { keyringOf } from '../data-keyring';

/** Keyed hash of a phone number (HMAC-SHA-256 with a key derived from SECRETS_KEY). */
export class SubjectHasher {
  private readonly key: Buffer;

  constructor(secretsKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secretsKey, 'base64'), Buffer.alloc(0), 'sms-aggregator erasure tombstone', 32));
  }

  hash(phone: string): string {
    return createHmac('sha256', this.key).update(phone).digest('hex');
  }

  /** The HMAC's inner and outer padded keys, for erasedPhoneSql (the key itself never leaves this process as such). */
  sqlPads(): [Buffer, Buffer] {
    const block = Buffer.alloc(64);
    this.key.copy(block);
    return [Buffer.from(block.map((b) => b ^ 0x36)), Buffer.from(block.map((b) => b ^ 0x5c))];
  }
}

/** Parameters for erasedPhoneSql: the pads, or nulls without a hasher (the expression is then NULL and matches nothing). */
export const erasedPhoneParams = (hasher?: SubjectHasher): [Buffer | null, Buffer | null] => hasher?.sqlPads() ?? [null, null];

/**
 * SQL for `erased:<hash>` of a phone expression, computed in PostgreSQL (HMAC-SHA-256 from the
 * pads given as bytea parameters): the opt-out checks match evidence of an erased number with it,
 * so a subscriber who opted out and was then erased stays opted out.
 */
export const erasedPhoneSql = (phone: string, innerParam: string, outerParam: string): string =>
  `'erased:' || encode(sha256(${outerParam}::bytea || sha256(${innerParam}::bytea || convert_to(${phone}, 'UTF8'))), 'hex')`;

export interface ErasureRecord {
  id: string;
  accountId: string;
  phoneHash: string;
  requestedBy: string | null;
  requestedAt: Date;
  status: 'pending' | 'done';
  completedAt: Date | null;
}

interface ErasureRow {
  id: string;
  account_id: string;
  phone_hash: string;
  requested_by: string | null;
  requested_at: Date;
  status: 'pending' | 'done';
  completed_at: Date | null;
}

const toErasure = (r: ErasureRow): ErasureRecord => ({
  id: r.id,
  accountId: r.account_id,
  phoneHash: r.phone_hash,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  status: r.status,
  completedAt: r.completed_at,
});

/** Everything held about a number for one account. Rows as stored (snake_case columns). */
export interface SubjectExport {
  phone: string;
  accountId: string;
  exportedAt: string;
  messages: Record<string, unknown>[];
  messageEvents: Record<string, unknown>[];
  messageAttempts: Record<string, unknown>[];
  carrierReceipts: Record<string, unknown>[];
  inboundMessages: Record<string, unknown>[];
  conversations: Record<string, unknown>[];
  optOutEvents: Record<string, unknown>[];
  consentEvents: Record<string, unknown>[];
  campaignRecipients: Record<string, unknown>[];
  webhooks: Record<string, unknown>[];
  smppDeliveries: Record<string, unknown>[];
  senderAssignments: Record<string, unknown>[];
  erasures: Record<string, unknown>[];
  verifications: Record<string, unknown>[];
}

/** Each erasure step: $1 account, $2 phone, $3 batch size ($4 the hash, for evidence). In order: children before the rows they hang on. */
const ERASE_STEPS: { name: string; sql: string; evidence?: boolean }[] = [
  {
    name: 'carrier_receipts',
    sql: `DELETE FROM carrier_receipts WHERE id IN (
      SELECT r.id FROM messages m JOIN carrier_receipts r ON r.message_id = m.id WHERE m.account_id = $1 AND m.to_number = $2 LIMIT $3) RETURNING id`,
  },
  {
    name: 'smpp_deliveries',
    sql: `DELETE FROM smpp_deliveries WHERE id IN (
      SELECT d.id FROM smpp_deliveries d WHERE d.account_id = $1 AND (d.payload->>'to' = $2 OR d.payload->>'from' = $2) LIMIT $3) RETURNING id`,
  },
  { name: 'verifications', sql: `DELETE FROM verifications WHERE id IN (SELECT id FROM verifications WHERE account_id = $1 AND to_number = $2 LIMIT $3) RETURNING id` },
  // Events, attempts, parts, workflow starts, status callbacks and their attempts go with the message.
  { name: 'messages', sql: `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE account_id = $1 AND to_number = $2 LIMIT $3) RETURNING id` },
  // The inbound webhooks (status_callbacks.inbound_id) go with the inbound message.
  {
    name: 'inbound_messages',
    sql: `DELETE FROM inbound_messages WHERE id IN (
      SELECT i.id FROM inbound_messages i WHERE i.from_number = $2
        AND (i.account_id = $1 OR (i.account_id IS NULL AND i.to_number IN (SELECT number FROM account_numbers WHERE account_id = $1))) LIMIT $3) RETURNING id`,
  },
  {
    name: 'inbound_parts',
    sql: `DELETE FROM inbound_parts WHERE ctid IN (
      SELECT ctid FROM inbound_parts WHERE from_number = $2 AND to_number IN (SELECT number FROM account_numbers WHERE account_id = $1) LIMIT $3) RETURNING 1`,
  },
  {
    name: 'conversations',
    sql: `DELETE FROM conversations WHERE id IN (
      SELECT c.id FROM conversations c WHERE c.subscriber = $2
        AND (c.account_id = $1 OR c.our_number IN (SELECT number FROM account_numbers WHERE account_id = $1)) LIMIT $3) RETURNING id`,
  },
  {
    name: 'campaign_recipients',
    sql: `DELETE FROM campaign_recipients WHERE id IN (
      SELECT r.id FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.account_id = $1 AND r.phone = $2 LIMIT $3) RETURNING id`,
  },
  {
    name: 'sender_pool_assignments',
    sql: `DELETE FROM sender_pool_assignments WHERE (pool_id, subscriber) IN (
      SELECT a.pool_id, a.subscriber FROM sender_pool_assignments a JOIN sender_pools p ON p.id = a.pool_id WHERE p.account_id = $1 AND a.subscriber = $2 LIMIT $3) RETURNING 1`,
  },
  // Velocity counters per destination number (`n:<account>:<number>:…`), which live minutes to hours.
  { name: 'usage_counters', sql: `DELETE FROM usage_counters WHERE key IN (SELECT key FROM usage_counters WHERE key LIKE 'n:' || $1 || ':' || $2 || ':%' LIMIT $3) RETURNING 1` },
  {
    name: 'opt_out_events',
    evidence: true,
    sql: `UPDATE opt_out_events SET phone = 'erased:' || $4 WHERE id IN (SELECT id FROM opt_out_events WHERE account_id = $1 AND phone = $2 LIMIT $3) RETURNING id`,
  },
  {
    name: 'consent_events',
    evidence: true,
    sql: `UPDATE consent_events SET phone = 'erased:' || $4 WHERE id IN (SELECT id FROM consent_events WHERE account_id = $1 AND phone = $2 LIMIT $3) RETURNING id`,
  },
];

export class DataSubjectRepository {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: SubjectHasher,
  ) {}

  async export(accountId: string, phone: string): Promise<SubjectExport> {
    const q = (sql: string, params: unknown[] = [accountId, phone]) => this.db.query(sql, params) as Promise<Record<string, unknown>[]>;
    const messages = await q(`SELECT * FROM messages WHERE account_id = $1 AND to_number = $2 ORDER BY created_at, id`);
    const ids = messages.map((m) => m.id as string);
    const [messageEvents, messageAttempts, carrierReceipts, webhooks, verifications] = await Promise.all([
      q(TIMELINE_SQL, [ids]),
      q(`SELECT * FROM message_attempts WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, attempt`, [ids]),
      q(`SELECT * FROM carrier_receipts WHERE message_id = ANY($1::uuid[]) ORDER BY received_at, id`, [ids]),
      q(
        `SELECT s.id, s.kind, s.message_id, s.inbound_id, s.url, s.status, s.payload, s.created_at, s.delivered_at, s.done_at
         FROM status_callbacks s WHERE s.account_id = $1 AND (s.message_id = ANY($3::uuid[]) OR s.inbound_id IN (SELECT id FROM inbound_messages WHERE from_number = $2 AND account_id = $1))
         ORDER BY s.id`,
        [accountId, phone, ids],
      ),
      // Never the code's salt or digest.
      q(`SELECT id, channel, locale, status, checks, sends, message_ids, expires_at, created_at, updated_at FROM verifications WHERE account_id = $1 AND to_number = $2 ORDER BY created_at, id`),
    ]);
    const ownNumbers = `(SELECT number FROM account_numbers WHERE account_id = $1)`;
    const [inboundMessages, conversations, optOutEvents, consentEvents, campaignRecipients, smppDeliveries, senderAssignments, erasures] = await Promise.all([
      q(`SELECT * FROM inbound_messages WHERE from_number = $2 AND (account_id = $1 OR (account_id IS NULL AND to_number IN ${ownNumbers})) ORDER BY received_at, id`),
      q(`SELECT * FROM conversations WHERE subscriber = $2 AND (account_id = $1 OR our_number IN ${ownNumbers}) ORDER BY created_at, id`),
      q(`SELECT * FROM opt_out_events WHERE account_id = $1 AND phone = $2 ORDER BY id`),
      q(`SELECT * FROM consent_events WHERE account_id = $1 AND phone = $2 ORDER BY id`),
      q(`SELECT r.* FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.account_id = $1 AND r.phone = $2 ORDER BY r.id`),
      q(`SELECT id, kind, message_id, payload, created_at, delivered_at FROM smpp_deliveries WHERE account_id = $1 AND (payload->>'to' = $2 OR payload->>'from' = $2) ORDER BY id`),
      q(`SELECT p.name AS pool, a.number, a.assigned_at FROM sender_pool_assignments a JOIN sender_pools p ON p.id = a.pool_id WHERE p.account_id = $1 AND a.subscriber = $2`),
      q(`SELECT id, requested_at, status, completed_at FROM erasures WHERE account_id = $1 AND phone_hash = $2 ORDER BY requested_at`, [accountId, this.hasher.hash(phone)]),
    ]);
    // Bodies and receipt texts are stored sealed (encryption at rest): the export opens them.
    const keyring = keyringOf(this.db);
    const openAll = (rows: Record<string, unknown>[], fields: string[]) => Promise.all(rows.map((r) => keyring.openFields(r, fields)));
    const openPayloads = (rows: Record<string, unknown>[]) =>
      Promise.all(rows.map(async (r) => (r.payload && typeof r.payload === 'object' ? { ...r, payload: await keyring.openFields(r.payload as Record<string, unknown>, ['body']) } : r)));
    return {
      phone,
      accountId,
      exportedAt: new Date().toISOString(),
      messages: await openAll(messages, ['body']),
      messageEvents,
      messageAttempts,
      carrierReceipts: await openAll(carrierReceipts, ['raw_text']),
      inboundMessages: await openAll(inboundMessages, ['body']),
      conversations,
      optOutEvents,
      consentEvents,
      campaignRecipients,
      webhooks: await openPayloads(webhooks),
      smppDeliveries: await openPayloads(smppDeliveries),
      verifications,
      senderAssignments,
      erasures,
    };
  }

  /** Records the request (the tombstone, pending). The number is held only until the erasure is done. */
  async requestErasure(accountId: string, phone: string, requestedBy: string | null): Promise<ErasureRecord> {
    const rows: ErasureRow[] = await this.db.query(
      `INSERT INTO erasures (id, account_id, phone_hash, requested_by, pending_phone) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, account_id, phone_hash, requested_by, requested_at, status, completed_at`,
      [randomUUID(), accountId, this.hasher.hash(phone), requestedBy, phone],
    );
    return toErasure(rows[0]);
  }

  async erasure(accountId: string, id: string): Promise<ErasureRecord | null> {
    const rows: ErasureRow[] = await this.db.query(
      `SELECT id, account_id, phone_hash, requested_by, requested_at, status, completed_at FROM erasures WHERE id = $1 AND account_id = $2`,
      [id, accountId],
    );
    return rows[0] ? toErasure(rows[0]) : null;
  }

  /** Erasures not yet done (a worker starting resumes them: their workflow may never have started). */
  async pendingErasureIds(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM erasures WHERE status = 'pending' ORDER BY requested_at`);
    return rows.map((r) => r.id);
  }

  /** Drops a request whose workflow could not be started (nothing was erased yet). */
  async withdrawErasure(id: string): Promise<void> {
    await this.db.query(`DELETE FROM erasures WHERE id = $1 AND status = 'pending'`, [id]);
  }

  /**
   * Runs erasure steps from `fromStep` in batches of `batchSize` until `maxBatches` ran or all is
   * erased; then closes the tombstone (the number is forgotten). Returns whether it is done, and
   * the step to go on from. Safe to repeat (from any step: an earlier step finds nothing new).
   */
  async eraseSome(erasureId: string, batchSize: number, maxBatches: number, fromStep = 0): Promise<{ done: boolean; erased: number; nextStep: number }> {
    const rows: { account_id: string; phone_hash: string; pending_phone: string | null }[] = await this.db.query(
      `SELECT account_id, phone_hash, pending_phone FROM erasures WHERE id = $1`,
      [erasureId],
    );
    const erasure = rows[0];
    if (!erasure) throw new Error(`erasure ${erasureId} does not exist`);
    if (erasure.pending_phone === null) return { done: true, erased: 0, nextStep: ERASE_STEPS.length };
    const params = [erasure.account_id, erasure.pending_phone, batchSize];
    let erased = 0;
    let batches = 0;
    for (let index = fromStep; index < ERASE_STEPS.length; index++) {
      const step = ERASE_STEPS[index];
      for (;;) {
        if (batches++ >= maxBatches) return { done: false, erased, nextStep: index };
        const count = step.evidence
          ? await this.db.transaction(async (tx) => {
              // The one change the evidence tables accept (see the migration): the phone becomes the hash.
              await tx.query(`SET LOCAL sms.erasure = 'on'`);
              return returningRows(await tx.query(step.sql, [...params, erasure.phone_hash])).length;
            })
          : returningRows(await this.db.query(step.sql, params)).length;
        erased += count;
        if (count < batchSize) break;
      }
    }
    await this.db.query(`UPDATE erasures SET status = 'done', completed_at = now(), pending_phone = NULL WHERE id = $1 AND status = 'pending'`, [erasureId]);
    return { done: true, erased, nextStep: ERASE_STEPS.length };
  }
}
