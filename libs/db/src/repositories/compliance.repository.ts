// Opt-out and consent kept as evidence (append-only `opt_out_events`, `consent_events`; a
// trigger refuses UPDATE, DELETE and TRUNCATE), the check that refuses outbound messages to an
// opted-out recipient before any carrier has them (one message, or one query per page), the
// account's compliance settings, and the keyset-paginated export. The latest event that applies
// decides: the account's events for the whole account (sender null) or for the message's sender,
// and operator events for every account (account null).
import { ERRORS, complianceSettings, type ComplianceSettings, type ComplianceSettingsInput } from '@app/domain';
import type { CampaignCategory, MessagePriority, RecipientCheck } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { erasedPhoneParams, erasedPhoneSql, SubjectHasher } from './data-subject.repository';
import { returningRows } from './returning';
import { handedOver } from './dispatch.repository';
import { queueSmppReceipts } from './smpp-receipts';
import { queueStatusCallbacks } from './status-callbacks';

export type EvidenceSource = 'keyword' | 'api' | 'import' | 'campaign_reply' | 'operator';
export const EVIDENCE_SOURCES: readonly EvidenceSource[] = ['keyword', 'api', 'import', 'campaign_reply', 'operator'];

export interface NewOptOutEvent {
  /** null: every account (operator). */
  accountId: string | null;
  phone: string;
  optedOut: boolean;
  /** null: the whole account; else the sender (our number or sender id) it applies to. */
  sender?: string | null;
  source: EvidenceSource;
  keyword?: string | null;
  inboundMessageId?: string | null;
  campaignId?: string | null;
}

export interface NewConsentEvent {
  accountId: string;
  phone: string;
  category: CampaignCategory;
  granted: boolean;
  sender?: string | null;
  source: EvidenceSource;
  keyword?: string | null;
  inboundMessageId?: string | null;
  campaignId?: string | null;
}

export type EvidenceType = 'opt_out' | 'opt_in' | 'consent_granted' | 'consent_withdrawn';

export interface EvidenceEvent {
  /** `opt-<n>` or `consent-<n>`: unique across both tables. */
  id: string;
  type: EvidenceType;
  accountId: string | null;
  phone: string;
  /** null: the whole account. */
  sender: string | null;
  category: string | null;
  source: EvidenceSource;
  keyword: string | null;
  inboundMessageId: string | null;
  campaignId: string | null;
  createdAt: Date;
}

export interface InboundForKeywords {
  accountId: string;
  /** The MO's sender: the subscriber. */
  subscriber: string;
  /** The number the MO was sent to: ours, the sender of any reply. */
  ourNumber: string;
  body: string;
  settings: ComplianceSettings;
  campaignId: string | null;
}

export interface EvidenceFilter {
  phone?: string;
  since?: Date;
}

/**
 * The check's cost is one indexed probe per message: the latest event of its phone that applies
 * (or of its erased phone: $2 and $3 are erasedPhoneParams).
 */
const LATEST_OPT_OUT = `LEFT JOIN LATERAL (
  SELECT id, opted_out FROM opt_out_events o
  WHERE o.phone IN (m.to_number, ${erasedPhoneSql('m.to_number', '$2', '$3')}) AND (o.account_id = m.account_id OR o.account_id IS NULL) AND (o.sender IS NULL OR o.sender = m.from_address)
  ORDER BY o.id DESC LIMIT 1) o ON true`;

const OPTED_OUT_REASON = 'the recipient opted out';

const encodeCursor = (ts: string, kind: string, id: string) => Buffer.from(JSON.stringify([ts, kind, id])).toString('base64url');
export function decodeEvidenceCursor(cursor: string): { ts: string; kind: string; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'string')) return null;
    const [ts, kind, id] = v as string[];
    if (!/^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:\d\d)?|Z)?$/.test(ts) || !['consent', 'opt'].includes(kind) || !/^\d{1,18}$/.test(id)) return null;
    return { ts, kind, id };
  } catch {
    return null;
  }
}

interface EvidenceRowSql {
  kind: 'opt' | 'consent';
  id: string;
  type: EvidenceType;
  account_id: string | null;
  phone: string;
  sender: string | null;
  category: string | null;
  source: EvidenceSource;
  keyword: string | null;
  inbound_message_id: string | null;
  campaign_id: string | null;
  created_at: Date;
  ts: string;
}

export class ComplianceRepository {
  constructor(
    private readonly db: DataSource,
    /** Without it, opt-outs of erased numbers are not matched (see erasedPhoneSql). */
    private readonly hasher?: SubjectHasher,
  ) {}

  // ---- evidence --------------------------------------------------------------------------

  /** Appends an opt-out (or opt-in); one per inbound message (a retried keyword step finds the first). Returns its id. */
  async recordOptOut(event: NewOptOutEvent, tx: EntityManager = this.db.manager): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `WITH ins AS (
         INSERT INTO opt_out_events (account_id, phone, opted_out, sender, source, keyword, inbound_message_id, campaign_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (inbound_message_id) WHERE inbound_message_id IS NOT NULL DO NOTHING RETURNING id)
       SELECT id FROM ins UNION ALL SELECT id FROM opt_out_events WHERE inbound_message_id = $7 LIMIT 1`,
      [event.accountId, event.phone, event.optedOut, event.sender ?? null, event.source, event.keyword ?? null, event.inboundMessageId ?? null, event.campaignId ?? null],
    );
    return String(rows[0].id);
  }

  async recordConsent(event: NewConsentEvent, tx: EntityManager = this.db.manager): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `WITH ins AS (
         INSERT INTO consent_events (account_id, phone, category, granted, sender, source, keyword, inbound_message_id, campaign_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (inbound_message_id) WHERE inbound_message_id IS NOT NULL DO NOTHING RETURNING id)
       SELECT id FROM ins UNION ALL SELECT id FROM consent_events WHERE inbound_message_id = $8 LIMIT 1`,
      [event.accountId, event.phone, event.category, event.granted, event.sender ?? null, event.source, event.keyword ?? null, event.inboundMessageId ?? null, event.campaignId ?? null],
    );
    return String(rows[0].id);
  }

  /** The evidence of the account, oldest first (keyset: created_at, table, id). */
  async listEvents(accountId: string, filter: EvidenceFilter, limit: number, cursor: { ts: string; kind: string; id: string } | null): Promise<{ items: EvidenceEvent[]; nextCursor: string | null }> {
    const params = [accountId, filter.phone ?? null, filter.since ?? null, cursor?.ts ?? null, cursor?.kind ?? null, cursor?.id ?? null, limit + 1];
    const keyset = `($4::timestamptz IS NULL OR (created_at, kind, id) > ($4::timestamptz, $5::text, $6::bigint))`;
    const rows: EvidenceRowSql[] = await this.db.query(
      `SELECT * FROM (
         (SELECT * FROM (SELECT 'opt'::text AS kind, id, CASE WHEN opted_out THEN 'opt_out' ELSE 'opt_in' END AS type, account_id, phone, sender, NULL::text AS category,
                 source, keyword, inbound_message_id, campaign_id, created_at, created_at::text AS ts
            FROM opt_out_events WHERE account_id = $1 AND ($2::text IS NULL OR phone = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)) o
          WHERE ${keyset} ORDER BY created_at, id LIMIT $7)
         UNION ALL
         (SELECT * FROM (SELECT 'consent'::text AS kind, id, CASE WHEN granted THEN 'consent_granted' ELSE 'consent_withdrawn' END AS type, account_id, phone, sender, category,
                 source, keyword, inbound_message_id, campaign_id, created_at, created_at::text AS ts
            FROM consent_events WHERE account_id = $1 AND ($2::text IS NULL OR phone = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)) c
          WHERE ${keyset} ORDER BY created_at, id LIMIT $7)) e
       ORDER BY created_at, kind, id LIMIT $7`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toEvidence), nextCursor: rows.length > limit && last ? encodeCursor(last.ts, last.kind, String(last.id)) : null };
  }

  /** One event of the account by its export id (`opt-<n>`, `consent-<n>`). */
  async getEvent(accountId: string, eventId: string): Promise<EvidenceEvent | null> {
    const [, kind, id] = /^(opt|consent)-(\d{1,18})$/.exec(eventId) ?? [];
    if (!kind) return null;
    const rows: EvidenceRowSql[] =
      kind === 'opt'
        ? await this.db.query(
            `SELECT 'opt' AS kind, id, CASE WHEN opted_out THEN 'opt_out' ELSE 'opt_in' END AS type, account_id, phone, sender, NULL AS category, source, keyword,
                    inbound_message_id, campaign_id, created_at FROM opt_out_events WHERE account_id = $1 AND id = $2`,
            [accountId, id],
          )
        : await this.db.query(
            `SELECT 'consent' AS kind, id, CASE WHEN granted THEN 'consent_granted' ELSE 'consent_withdrawn' END AS type, account_id, phone, sender, category, source, keyword,
                    inbound_message_id, campaign_id, created_at FROM consent_events WHERE account_id = $1 AND id = $2`,
            [accountId, id],
          );
    return rows[0] ? toEvidence(rows[0]) : null;
  }

  // ---- the outbound check ----------------------------------------------------------------

  /**
   * Before routing one message (sendMessage): not opted out → clear; opted out and exempt (its
   * category is one the account exempts, or it is a keyword's confirmation) → sent, the exemption
   * recorded as an event; otherwise final status `rejected` (error `recipient_opted_out`) with its
   * event, SMPP receipt and status callback, in one transaction. Idempotent.
   */
  async checkMessage(messageId: string): Promise<RecipientCheck> {
    const rows: { id: string; status: string; priority: MessagePriority; opt_out_exempt: string | null; settings: ComplianceSettingsInput; opt_id: string | null; opted_out: boolean | null }[] =
      await this.db.query(
        `SELECT m.id, m.status, m.priority, m.opt_out_exempt, a.compliance_settings AS settings, o.id AS opt_id, o.opted_out
         FROM messages m JOIN accounts a ON a.id = m.account_id ${LATEST_OPT_OUT} WHERE m.id = $1`,
        [messageId, ...erasedPhoneParams(this.hasher)],
      );
    const m = rows[0];
    if (!m || m.opted_out !== true) return { outcome: 'clear' };
    const optOutEventId = String(m.opt_id);
    if (m.status === 'rejected') return rejectedCheck(optOutEventId);
    const exemption = exemptionOf(m.priority, m.opt_out_exempt, complianceSettings(m.settings));
    if (exemption) {
      await this.recordExemptions(this.db.manager, [{ id: m.id, optOutEventId, reason: exemption }]);
      return { outcome: 'exempt', optOutEventId, reason: exemption };
    }
    await this.db.transaction((tx) => this.reject(tx, [{ id: m.id, optOutEventId }]));
    return rejectedCheck(optOutEventId);
  }

  /**
   * The same check for a page's messages no carrier has had yet: one query finds the opted-out
   * ones (usually none); those are rejected or recorded as exempt, each on its own timeline.
   */
  async checkPage(batchId: string): Promise<{ rejected: number; exempt: number }> {
    const rows: { id: string; priority: MessagePriority; opt_out_exempt: string | null; settings: ComplianceSettingsInput; opt_id: string }[] = await this.db.query(
      `SELECT m.id, m.priority, m.opt_out_exempt, a.compliance_settings AS settings, o.id AS opt_id
       FROM messages m JOIN accounts a ON a.id = m.account_id ${LATEST_OPT_OUT}
       WHERE m.batch_id = $1 AND m.attempts = 0 AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') AND o.opted_out`,
      [batchId, ...erasedPhoneParams(this.hasher)],
    );
    if (rows.length === 0) return { rejected: 0, exempt: 0 };
    const exempt: { id: string; optOutEventId: string; reason: string }[] = [];
    const refused: { id: string; optOutEventId: string }[] = [];
    for (const r of rows) {
      const reason = exemptionOf(r.priority, r.opt_out_exempt, complianceSettings(r.settings));
      if (reason) exempt.push({ id: r.id, optOutEventId: String(r.opt_id), reason });
      else refused.push({ id: r.id, optOutEventId: String(r.opt_id) });
    }
    await this.db.transaction(async (tx) => {
      await this.recordExemptions(tx, exempt);
      // A refused message will not be handed to a carrier: the page's count of those still to hand over goes down.
      await handedOver(tx, batchId, await this.reject(tx, refused));
    });
    return { rejected: refused.length, exempt: exempt.length };
  }

  /** An exemption is recorded once per message (a retried check finds it). */
  private async recordExemptions(tx: EntityManager, rows: { id: string; optOutEventId: string; reason: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO message_events (message_id, type, detail)
       SELECT id, 'opt_out_exempt', jsonb_build_object('reason', reason, 'optOutEventId', opt) FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, opt, reason)
       WHERE NOT EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = t.id AND e.type = 'opt_out_exempt')`,
      [rows.map((r) => r.id), rows.map((r) => r.optOutEventId), rows.map((r) => r.reason)],
    );
  }

  /** Returns how many messages it refused (a retried check finds them refused already: 0). */
  private async reject(tx: EntityManager, rows: { id: string; optOutEventId: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const code = ERRORS.recipientOptedOut.code;
    const changed = returningRows<{ id: string }>(
      await tx.query(
        `UPDATE messages SET status = 'rejected', failure_reason = $2, failure_code = $3, carrier_error_code = NULL, updated_at = now()
         WHERE id = ANY($1::uuid[]) AND status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') RETURNING id`,
        [rows.map((r) => r.id), OPTED_OUT_REASON, code],
      ),
    );
    if (changed.length === 0) return 0;
    const ids = new Set(changed.map((c) => c.id));
    const done = rows.filter((r) => ids.has(r.id));
    await tx.query(
      `INSERT INTO message_events (message_id, type, detail)
       SELECT id, 'rejected', jsonb_build_object('reason', $3::text, 'code', $4::text, 'optOutEventId', opt) FROM unnest($1::uuid[], $2::text[]) AS t(id, opt)`,
      [done.map((r) => r.id), done.map((r) => r.optOutEventId), OPTED_OUT_REASON, code],
    );
    await queueSmppReceipts(tx, [...ids]);
    await queueStatusCallbacks(tx, [...ids], 'rejected');
    return changed.length;
  }

  // ---- the conversation's keyword step ----------------------------------------------------

  /**
   * What the keyword step needs of an MO: its numbers and text, the account's settings, and the
   * campaign of the latest message the account sent in this conversation (a keyword answering a
   * campaign is recorded as `campaign_reply`).
   */
  async inboundForKeywords(inboundId: string): Promise<InboundForKeywords | null> {
    const rows: { account_id: string | null; from_number: string; to_number: string; body: string; settings: ComplianceSettingsInput | null; campaign_id: string | null }[] =
      await this.db.query(
        `SELECT i.account_id, i.from_number, i.to_number, i.body, a.compliance_settings AS settings,
                (SELECT m.campaign_id FROM messages m WHERE m.conversation_id = i.conversation_id AND m.account_id = i.account_id AND i.conversation_id IS NOT NULL
                 ORDER BY m.created_at DESC LIMIT 1) AS campaign_id
         FROM inbound_messages i LEFT JOIN accounts a ON a.id = i.account_id WHERE i.id = $1`,
        [inboundId],
      );
    const r = rows[0];
    if (!r || !r.account_id) return null;
    return { accountId: r.account_id, subscriber: r.from_number, ourNumber: r.to_number, body: await keyringOf(this.db).open(r.body), settings: complianceSettings(r.settings), campaignId: r.campaign_id };
  }

  // ---- settings --------------------------------------------------------------------------

  async settings(accountId: string): Promise<ComplianceSettings | null> {
    const rows: { settings: ComplianceSettingsInput }[] = await this.db.query(`SELECT compliance_settings AS settings FROM accounts WHERE id = $1`, [accountId]);
    return rows[0] ? complianceSettings(rows[0].settings) : null;
  }

  /** Merges the given fields into the stored settings (a field set to null returns to its default). */
  async updateSettings(accountId: string, changes: Record<string, unknown>): Promise<ComplianceSettings | null> {
    const rows = returningRows<{ settings: ComplianceSettingsInput }>(
      await this.db.query(
        `UPDATE accounts SET compliance_settings = jsonb_strip_nulls(compliance_settings || $2::jsonb) WHERE id = $1 RETURNING compliance_settings AS settings`,
        [accountId, JSON.stringify(changes)],
      ),
    );
    return rows[0] ? complianceSettings(rows[0].settings) : null;
  }
}

const toEvidence = (r: EvidenceRowSql): EvidenceEvent => ({
  id: `${r.kind}-${r.id}`,
  type: r.type,
  accountId: r.account_id,
  phone: r.phone,
  sender: r.sender,
  category: r.category,
  source: r.source,
  keyword: r.keyword,
  inboundMessageId: r.inbound_message_id,
  campaignId: r.campaign_id,
  createdAt: r.created_at,
});

function exemptionOf(priority: MessagePriority, flagged: string | null, settings: ComplianceSettings): string | null {
  if (flagged) return flagged;
  return settings.exemptCategories.includes(priority) ? `category:${priority}` : null;
}

function rejectedCheck(optOutEventId: string): RecipientCheck {
  return { outcome: 'rejected', optOutEventId, reason: OPTED_OUT_REASON, error: { code: ERRORS.recipientOptedOut.code, rawCode: `opt-out event ${optOutEventId}` } };
}
