// Retention: each account's two periods (bodies redacted after `body_retention`, per-message
// rows deleted after `metadata_retention`) and the bounded steps that apply them. Every step is
// one short statement over at most `batchSize` rows (its own transaction); the retention
// workflow repeats a step until it reports fewer rows than a batch. Rows of no account (an
// inbound message to a number nobody holds, a receipt that matched no message, inbound parts)
// follow the defaults.
//
// What is kept: opt-out and consent evidence (append-only; see README "Retention and erasure"),
// accounts, keys, routes, carriers, the audit log and erasure tombstones.
import { DataSource } from 'typeorm';
import { returningRows } from './returning';

export const DEFAULT_BODY_RETENTION_DAYS = 30;
export const DEFAULT_METADATA_RETENTION_DAYS = 365;
const DAY_SECONDS = 86_400;

export interface RetentionSettings {
  bodyRetentionDays: number;
  metadataRetentionDays: number;
}

/** A retention step of one account (or, with a null account, of the rows no account owns). */
export type RetentionStep =
  | 'redact_messages'
  | 'redact_inbound'
  | 'redact_receipts'
  | 'delete_smpp_deliveries'
  | 'delete_receipts'
  | 'delete_messages'
  | 'delete_inbound'
  | 'delete_conversations'
  | 'delete_campaign_recipients'
  | 'delete_verifications';

/** In order: redactions first; receipts before their messages (no foreign key ties them). */
export const RETENTION_STEPS: readonly RetentionStep[] = [
  'redact_messages',
  'redact_inbound',
  'redact_receipts',
  'delete_smpp_deliveries',
  'delete_receipts',
  'delete_messages',
  'delete_inbound',
  'delete_conversations',
  'delete_campaign_recipients',
  'delete_verifications',
];

const FINAL = `('delivered', 'failed', 'cancelled', 'rejected')`;

/**
 * Each step's statement: $1 the account (null: rows of no account), $2 the batch size. `b` and
 * `md` are the account's cutoffs (from its settings, or the defaults when $1 is null).
 */
const CUTOFFS = `cut AS (
  SELECT now() - coalesce((SELECT body_retention FROM accounts WHERE id = $1), interval '${DEFAULT_BODY_RETENTION_DAYS} days') AS b,
         now() - coalesce((SELECT metadata_retention FROM accounts WHERE id = $1), interval '${DEFAULT_METADATA_RETENTION_DAYS} days') AS md)`;

const STEP_SQL: Record<RetentionStep, string> = {
  // A message's body goes once the message is final (a scheduled or queued one still needs it);
  // the status callbacks and SMPP receipts queued for it carry no body.
  redact_messages: `WITH ${CUTOFFS}, picked AS (
      SELECT m.id FROM messages m, cut WHERE m.account_id = $1 AND m.redacted_at IS NULL AND m.created_at < cut.b AND m.status IN ${FINAL}
      ORDER BY m.created_at LIMIT $2 FOR UPDATE OF m SKIP LOCKED)
    UPDATE messages m SET body = '', redacted_at = now() FROM picked WHERE m.id = picked.id RETURNING m.id`,
  // Inbound bodies, with the copies in the inbound webhook and the SMPP deliver_sm outbox.
  redact_inbound: `WITH ${CUTOFFS}, picked AS (
      SELECT i.id FROM inbound_messages i, cut WHERE i.account_id IS NOT DISTINCT FROM $1 AND i.redacted_at IS NULL AND i.received_at < cut.b
      ORDER BY i.received_at LIMIT $2 FOR UPDATE OF i SKIP LOCKED),
    hooks AS (UPDATE status_callbacks s SET payload = s.payload - 'body' FROM picked WHERE s.inbound_id = picked.id AND s.payload ? 'body' RETURNING s.id),
    smpp AS (UPDATE smpp_deliveries d SET payload = d.payload - 'body' FROM picked
             WHERE d.account_id = $1 AND d.kind = 'inbound' AND d.payload->>'inboundId' = picked.id::text RETURNING d.id)
    UPDATE inbound_messages i SET body = '', redacted_at = now() FROM picked WHERE i.id = picked.id RETURNING i.id`,
  // A receipt's raw text carries the first characters of the body (`text:`).
  redact_receipts: `WITH ${CUTOFFS}, picked AS (
      SELECT r.id FROM carrier_receipts r LEFT JOIN messages m ON m.id = r.message_id, cut
      WHERE m.account_id IS NOT DISTINCT FROM $1 AND r.redacted_at IS NULL AND r.received_at < cut.b AND r.applied_at IS NOT NULL
      ORDER BY r.received_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED)
    UPDATE carrier_receipts r SET raw_text = '', redacted_at = now() FROM picked WHERE r.id = picked.id RETURNING r.id`,
  // The SMPP outbox: what was delivered is no longer needed once bodies are due to go.
  delete_smpp_deliveries: `WITH ${CUTOFFS}
    DELETE FROM smpp_deliveries WHERE id IN (
      SELECT d.id FROM smpp_deliveries d, cut WHERE d.account_id = $1 AND d.created_at < cut.b AND d.delivered_at IS NOT NULL LIMIT $2)
    RETURNING id`,
  delete_receipts: `WITH ${CUTOFFS}
    DELETE FROM carrier_receipts WHERE id IN (
      SELECT r.id FROM carrier_receipts r LEFT JOIN messages m ON m.id = r.message_id, cut
      WHERE m.account_id IS NOT DISTINCT FROM $1 AND r.received_at < cut.md LIMIT $2)
    RETURNING id`,
  // Events, attempts, parts, webhook rows and their attempts go with their message (ON DELETE CASCADE).
  delete_messages: `WITH ${CUTOFFS}
    DELETE FROM messages WHERE id IN (
      SELECT m.id FROM messages m, cut WHERE m.account_id = $1 AND m.created_at < cut.md AND m.status IN ${FINAL} LIMIT $2)
    RETURNING id`,
  delete_inbound: `WITH ${CUTOFFS}
    DELETE FROM inbound_messages WHERE id IN (
      SELECT i.id FROM inbound_messages i, cut WHERE i.account_id IS NOT DISTINCT FROM $1 AND i.received_at < cut.md LIMIT $2)
    RETURNING id`,
  // A conversation silent for the whole period (its signals go with it); inbound parts never assembled, too.
  delete_conversations: `WITH ${CUTOFFS},
    parts AS (DELETE FROM inbound_parts WHERE $1::uuid IS NULL AND ctid IN (SELECT p.ctid FROM inbound_parts p, cut WHERE p.received_at < cut.b LIMIT $2) RETURNING 1)
    DELETE FROM conversations WHERE id IN (
      SELECT c.id FROM conversations c, cut WHERE c.account_id IS NOT DISTINCT FROM $1 AND coalesce(c.last_message_at, c.created_at) < cut.md LIMIT $2)
    RETURNING id`,
  delete_campaign_recipients: `WITH ${CUTOFFS}
    DELETE FROM campaign_recipients WHERE id IN (
      SELECT r.id FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id, cut
      WHERE c.account_id = $1 AND c.finished_at < cut.md LIMIT $2)
    RETURNING id`,
  delete_verifications: `WITH ${CUTOFFS}
    DELETE FROM verifications WHERE id IN (
      SELECT v.id FROM verifications v, cut WHERE v.account_id = $1 AND v.status <> 'pending' AND v.created_at < cut.md LIMIT $2)
    RETURNING id`,
};

export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /** null when the account does not exist. */
  async settings(accountId: string): Promise<RetentionSettings | null> {
    const rows: { body: number; metadata: number }[] = await this.db.query(
      `SELECT extract(epoch FROM body_retention)::float8 AS body, extract(epoch FROM metadata_retention)::float8 AS metadata FROM accounts WHERE id = $1`,
      [accountId],
    );
    const row = rows[0];
    return row ? { bodyRetentionDays: row.body / DAY_SECONDS, metadataRetentionDays: row.metadata / DAY_SECONDS } : null;
  }

  /** Changes what is given; false when the account does not exist. */
  async update(accountId: string, change: Partial<RetentionSettings>): Promise<boolean> {
    const rows = returningRows(
      await this.db.query(
        `UPDATE accounts SET
           body_retention = coalesce(make_interval(days => $2::int), body_retention),
           metadata_retention = coalesce(make_interval(days => $3::int), metadata_retention)
         WHERE id = $1 RETURNING id`,
        [accountId, change.bodyRetentionDays ?? null, change.metadataRetentionDays ?? null],
      ),
    );
    return rows.length > 0;
  }

  /** Accounts after `after` in id order (a page of the retention pass). */
  async accountIds(after: string | null, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM accounts WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2`, [after, limit]);
    return rows.map((r) => r.id);
  }

  /** One batch of one step: how many rows it redacted or deleted. */
  async applyStep(accountId: string | null, step: RetentionStep, batchSize: number): Promise<number> {
    return returningRows(await this.db.query(STEP_SQL[step], [accountId, batchSize])).length;
  }
}
