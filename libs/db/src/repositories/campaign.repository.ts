// Campaigns, their audiences and their figures. A page of recipients is prepared in one
// transaction: the recipients are locked, decided (compliance, quiet hours, text: by the
// caller), their messages inserted into the delivery engine's paged path and their states
// written, so a page retried after its commit finds nothing left to send, and the unique
// (campaign_id, campaign_recipient_id) of messages holds even if that were ever wrong.
// Counters are counted from the rows (messages joined by campaign_id), so they are exact.
import { ConflictError, type CampaignCategory, type CampaignStatus, type MessageEncoding, type MessagePriority, type RecipientState } from '@app/contracts';
import { keyringOf } from '../data-keyring';
import { DataSource } from 'typeorm';
import { DISPATCH_CHANNEL, wakePayload } from './dispatch.repository';
import { returningRows } from './returning';
import { PgAudienceCompliance } from './audience-compliance';

export interface CampaignRecord {
  id: string;
  accountId: string;
  name: string;
  from: string | null;
  /** Senders to choose from by the recipient's country (a list given with the campaign). */
  senderPool: string[] | null;
  /** Or the name of one of the account's sender pools: each recipient keeps its number (sticky). */
  senderPoolName: string | null;
  message: { default: string; locales?: Record<string, string> };
  category: CampaignCategory;
  startAt: Date | null;
  quietHours: { from: string; to: string } | null;
  throttleMps: number | null;
  validitySeconds: number | null;
  smartEncoding: boolean;
  /** Letters GSM-7 lacks become their base letter (č → c): see transliterateToGsm7. */
  transliterate: boolean;
  status: CampaignStatus;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type NewCampaign = Omit<CampaignRecord, 'status' | 'createdAt' | 'updatedAt' | 'startedAt' | 'finishedAt' | 'senderPoolName'> & { senderPoolName?: string | null };

export interface NewRecipient {
  phone: string;
  country: string | null;
  locale: string | null;
  variables: Record<string, string>;
  consent?: boolean;
}

export interface WaitingRecipient {
  id: string;
  phone: string;
  country: string | null;
  locale: string | null;
  variables: Record<string, string>;
}

export interface CampaignMessageRow {
  id: string;
  to: string;
  from: string;
  body: string;
  encoding: MessageEncoding;
  segments: number;
  country: string | null;
}

export type RecipientDecision =
  | { recipientId: string; state: 'sent'; message: CampaignMessageRow; detail: Record<string, unknown> }
  | { recipientId: string; state: 'deferred'; notBefore: Date; detail: Record<string, unknown> }
  | { recipientId: string; state: Exclude<RecipientState, 'sent' | 'deferred' | 'pending'>; detail: Record<string, unknown> };

export interface PreparedPage {
  /** The campaign's status as the page saw it (null: no such campaign). */
  status: CampaignStatus | null;
  /** Nothing taken: `maxBacklog` of the campaign's messages still wait for a page. */
  backlogged?: boolean;
  processed: number;
  sent: number;
  skipped: number;
  deferred: number;
  remaining: number;
  nextDeferredAt: Date | null;
}

export interface CampaignCounters {
  recipients: Record<'total' | RecipientState, number>;
  messages: Record<'accepted' | 'queued' | 'submitted' | 'delivered' | 'failed' | 'cancelled' | 'rejected', number>;
}

const RECIPIENT_STATES: RecipientState[] = ['pending', 'deferred', 'sent', 'opted_out', 'no_consent', 'expired', 'invalid', 'cancelled'];
const MESSAGE_STATUSES = ['accepted', 'queued', 'submitted', 'delivered', 'failed', 'cancelled', 'rejected'] as const;

interface CampaignRow {
  id: string;
  account_id: string;
  name: string;
  from_address: string | null;
  sender_pool: string[] | null;
  sender_pool_name: string | null;
  message: CampaignRecord['message'];
  category: CampaignCategory;
  start_at: Date | null;
  quiet_from: string | null;
  quiet_to: string | null;
  throttle_mps: number | null;
  validity_seconds: number | null;
  smart_encoding: boolean;
  transliterate: boolean;
  status: CampaignStatus;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toRecord = (r: CampaignRow): CampaignRecord => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  from: r.from_address,
  senderPool: r.sender_pool,
  senderPoolName: r.sender_pool_name,
  message: r.message,
  category: r.category,
  startAt: r.start_at,
  quietHours: r.quiet_from && r.quiet_to ? { from: r.quiet_from, to: r.quiet_to } : null,
  throttleMps: r.throttle_mps,
  validitySeconds: r.validity_seconds,
  smartEncoding: r.smart_encoding,
  transliterate: r.transliterate,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Attempts a carrier took (and so charged for). */
const CHARGED_ATTEMPTS = `a.status IN ('submitted', 'delivered', 'receipt_failed', 'receipt_timeout')`;
/** Price per segment of an attempt: the carrier's price for the destination country, else its '*' price. */
const ATTEMPT_PRICE = `COALESCE((c.costs ->> m.country)::float8, (c.costs ->> '*')::float8)`;

export class CampaignRepository {
  constructor(private readonly db: DataSource) {}

  async create(c: NewCampaign): Promise<CampaignRecord> {
    const rows: CampaignRow[] = await this.db.query(
      `INSERT INTO campaigns (id, account_id, name, from_address, sender_pool, message, category, start_at, quiet_from, quiet_to, throttle_mps, validity_seconds, smart_encoding, transliterate, sender_pool_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
      [
        c.id,
        c.accountId,
        c.name,
        c.from,
        c.senderPool,
        JSON.stringify(c.message),
        c.category,
        c.startAt,
        c.quietHours?.from ?? null,
        c.quietHours?.to ?? null,
        c.throttleMps,
        c.validitySeconds,
        c.smartEncoding,
        c.transliterate,
        c.senderPoolName ?? null,
      ],
    );
    return toRecord(rows[0]);
  }

  async find(id: string): Promise<CampaignRecord | null> {
    const rows: CampaignRow[] = await this.db.query(`SELECT * FROM campaigns WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findForAccount(accountId: string, id: string): Promise<CampaignRecord | null> {
    const rows: CampaignRow[] = await this.db.query(`SELECT * FROM campaigns WHERE id = $1 AND account_id = $2`, [id, accountId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Newest first; `before` (a created_at) pages back. */
  async list(accountId: string, limit: number, before?: Date): Promise<CampaignRecord[]> {
    const rows: CampaignRow[] = await this.db.query(
      `SELECT * FROM campaigns WHERE account_id = $1 AND ($2::timestamptz IS NULL OR created_at < $2) ORDER BY created_at DESC, id LIMIT $3`,
      [accountId, before ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /** Moves a campaign from one of `from` to `to`; false when it was in none of them. */
  async transition(id: string, from: CampaignStatus[], to: CampaignStatus): Promise<boolean> {
    const changed = returningRows(
      await this.db.query(
        `UPDATE campaigns SET status = $3, updated_at = now(),
           started_at = CASE WHEN $3 IN ('scheduled', 'running') THEN COALESCE(started_at, now()) ELSE started_at END,
           finished_at = CASE WHEN $3 IN ('completed', 'cancelled') THEN now() ELSE finished_at END
         WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
        [id, from, to],
      ),
    );
    return changed.length > 0;
  }

  async setThrottle(id: string, mps: number | null): Promise<void> {
    await this.db.query(`UPDATE campaigns SET throttle_mps = $2, updated_at = now() WHERE id = $1`, [id, mps]);
  }

  /**
   * Adds recipients to a draft campaign, chunk by chunk as they come (a streamed upload), all
   * in one transaction: an upload that fails part-way keeps nothing. A number already in the
   * campaign is dropped. Rows with `consent: true` append a granted consent (the uploader's
   * attestation). Returns how many were new.
   */
  async addRecipients(campaign: Pick<CampaignRecord, 'id' | 'accountId' | 'category'>, chunks: AsyncIterable<NewRecipient[]> | Iterable<NewRecipient[]>): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Held until the upload commits: a start waits for it, and an upload never lands in a started campaign.
      const [row]: { status: CampaignStatus }[] = await tx.query(`SELECT status FROM campaigns WHERE id = $1 FOR SHARE`, [campaign.id]);
      if (row?.status !== 'draft') throw new ConflictError('campaign_not_draft', `Recipients can be added to a draft campaign only (this one is ${row?.status ?? 'gone'})`);
      let added = 0;
      for await (const rows of chunks) {
        if (rows.length === 0) continue;
        const inserted: { id: string }[] = await tx.query(
          `INSERT INTO campaign_recipients (campaign_id, phone, country, locale, variables)
           SELECT $1, phone, country, locale, variables FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) AS t(phone, country, locale, variables)
           ON CONFLICT (campaign_id, phone) DO NOTHING RETURNING id`,
          [campaign.id, rows.map((r) => r.phone), rows.map((r) => r.country), rows.map((r) => r.locale), rows.map((r) => JSON.stringify(r.variables))],
        );
        added += inserted.length;
        const consenting = rows.filter((r) => r.consent).map((r) => r.phone);
        await PgAudienceCompliance.recordConsents(tx, campaign.accountId, consenting, campaign.category, campaign.id);
      }
      return added;
    });
  }

  /**
   * Takes up to `limit` waiting recipients (pending, or deferred whose window has opened),
   * lets `decide` say what becomes of each, and writes that with their messages in one
   * transaction. Nothing is taken while the campaign is not running (a pause or cancel that
   * reached PostgreSQL stops the page that was about to start).
   */
  async preparePage(
    campaignId: string,
    limit: number,
    decide: (campaign: CampaignRecord, recipients: WaitingRecipient[]) => Promise<RecipientDecision[]>,
    maxBacklog = Number.POSITIVE_INFINITY,
  ): Promise<PreparedPage> {
    const page = await this.db.transaction(async (tx) => {
      const campaigns: CampaignRow[] = await tx.query(`SELECT * FROM campaigns WHERE id = $1 FOR SHARE`, [campaignId]);
      const campaign = campaigns[0] ? toRecord(campaigns[0]) : null;
      const idle = { processed: 0, sent: 0, skipped: 0, deferred: 0, status: campaign?.status ?? null };
      if (!campaign || !['scheduled', 'running', 'sending'].includes(campaign.status)) return idle;
      // A scheduled campaign whose workflow pages is running (its own start may have been lost to a retry).
      if (campaign.status === 'scheduled') {
        await tx.query(`UPDATE campaigns SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1`, [campaignId]);
        campaign.status = 'running';
      }
      // Backpressure: while this many of the campaign's messages wait for a page, other traffic goes first.
      if (Number.isFinite(maxBacklog)) {
        const [{ n }]: { n: number }[] = await tx.query(
          `SELECT count(*)::int AS n FROM (SELECT 1 FROM messages WHERE campaign_id = $1 AND awaiting_page LIMIT $2) w`,
          [campaignId, maxBacklog],
        );
        if (n >= maxBacklog) return { ...idle, status: campaign.status, backlogged: true };
      }
      const waiting: WaitingRecipient[] = await tx.query(
        `SELECT id::text AS id, phone, country, locale, variables FROM campaign_recipients
         WHERE campaign_id = $1 AND (state = 'pending' OR state = 'deferred' AND not_before <= now())
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [campaignId, limit],
      );
      if (waiting.length === 0) return { ...idle, status: campaign.status };
      const decisions = await decide(campaign, waiting);
      const sends = decisions.filter((d): d is Extract<RecipientDecision, { state: 'sent' }> => d.state === 'sent');
      const priority: MessagePriority = campaign.category === 'marketing' ? 'marketing' : 'transactional';
      const inserted: { id: string; rid: string }[] = sends.length
        ? await tx.query(
            `INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash, priority, source, delivery, country, campaign_id, campaign_recipient_id)
             SELECT id, $1, to_number, from_address, body, encoding, segments, 'accepted', encode(sha256(convert_to($2 || ':' || rid, 'UTF8')), 'hex'), $3, 'api', 'batch', country, $2::uuid, rid
             FROM unnest($4::uuid[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[])
               AS t(id, rid, to_number, from_address, body, encoding, segments, country)
             ON CONFLICT (campaign_id, campaign_recipient_id) WHERE campaign_id IS NOT NULL DO NOTHING
             RETURNING id, campaign_recipient_id::text AS rid`,
            [
              campaign.accountId,
              campaignId,
              priority,
              sends.map((s) => s.message.id),
              sends.map((s) => s.recipientId),
              sends.map((s) => s.message.to),
              sends.map((s) => s.message.from),
              sends.map((s) => keyringOf(tx).seal(s.message.body)),
              sends.map((s) => s.message.encoding),
              sends.map((s) => s.message.segments),
              sends.map((s) => s.message.country),
            ],
          )
        : [];
      if (inserted.length > 0) {
        await tx.query(`SELECT pg_notify($1, $2)`, [DISPATCH_CHANNEL, wakePayload({ workflows: false, pages: inserted.length })]);
      }
      const messageOf = new Map(inserted.map((i) => [i.rid, i.id]));
      await tx.query(
        `UPDATE campaign_recipients r SET state = t.state, not_before = t.not_before, detail = t.detail, message_id = COALESCE(t.message_id, r.message_id), checked_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::uuid[]) AS t(id, state, not_before, detail, message_id)
         WHERE r.id = t.id`,
        [
          decisions.map((d) => d.recipientId),
          decisions.map((d) => d.state),
          decisions.map((d) => (d.state === 'deferred' ? d.notBefore : null)),
          decisions.map((d) => JSON.stringify(d.detail)),
          decisions.map((d) => messageOf.get(d.recipientId) ?? null),
        ],
      );
      return {
        processed: decisions.length,
        sent: inserted.length,
        skipped: decisions.filter((d) => d.state === 'opted_out' || d.state === 'no_consent').length,
        deferred: decisions.filter((d) => d.state === 'deferred').length,
        status: campaign.status,
      };
    });
    const left: { remaining: string; next: Date | null }[] = await this.db.query(
      `SELECT count(*) AS remaining, min(not_before) FILTER (WHERE state = 'deferred') AS next FROM campaign_recipients WHERE campaign_id = $1 AND state IN ('pending', 'deferred')`,
      [campaignId],
    );
    return { ...page, remaining: Number(left[0].remaining), nextDeferredAt: left[0].next };
  }

  /**
   * Cancels what has not started: waiting recipients, the campaign's messages no page has taken
   * yet, and those that left their page for a workflow of their own (a route ending in a voice
   * call) while that workflow's start is still due, not leased by a dispatcher (as a single
   * message's cancel takes it back: MessageRepository.cancelAccepted). Messages a page carries,
   * or whose own workflow started, finish. Returns the messages cancelled.
   */
  async cancelWaiting(campaignId: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(`UPDATE campaign_recipients SET state = 'cancelled', checked_at = now() WHERE campaign_id = $1 AND state IN ('pending', 'deferred')`, [campaignId]);
      const reason = 'campaign cancelled before it was sent';
      const cancelled = returningRows<{ id: string }>(
        await tx.query(
          `WITH unstarted AS (
             DELETE FROM workflow_starts w USING messages m
             WHERE m.id = w.message_id AND m.campaign_id = $1 AND m.delivery = 'workflow' AND m.status = 'accepted' AND w.not_before <= now()
             RETURNING w.message_id)
           UPDATE messages SET status = 'cancelled', failure_reason = $2, updated_at = now()
           WHERE campaign_id = $1 AND (awaiting_page OR (status = 'accepted' AND id IN (SELECT message_id FROM unstarted))) RETURNING id`,
          [campaignId, reason],
        ),
      );
      if (cancelled.length > 0) {
        await tx.query(`INSERT INTO message_events (message_id, type, detail) SELECT id, 'cancelled', jsonb_build_object('reason', $2::text) FROM unnest($1::uuid[]) AS t(id)`, [
          cancelled.map((c) => c.id),
          reason,
        ]);
      }
      return cancelled.length;
    });
  }

  /** Messages of the campaign not yet final. */
  async inFlight(campaignId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')`, [campaignId]);
    return Number(rows[0].n);
  }

  async counters(campaignId: string): Promise<CampaignCounters> {
    const states: { state: RecipientState; n: string }[] = await this.db.query(`SELECT state, count(*) AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY state`, [campaignId]);
    const statuses: { status: string; n: string }[] = await this.db.query(`SELECT status, count(*) AS n FROM messages WHERE campaign_id = $1 GROUP BY status`, [campaignId]);
    const recipients = Object.fromEntries([['total', 0], ...RECIPIENT_STATES.map((s) => [s, 0])]) as CampaignCounters['recipients'];
    for (const s of states) {
      recipients[s.state] = Number(s.n);
      recipients.total += Number(s.n);
    }
    const messages = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as CampaignCounters['messages'];
    for (const s of statuses) messages[s.status as keyof CampaignCounters['messages']] = Number(s.n);
    return { recipients, messages };
  }

  /** Recipients per (locale, country), with one recipient's variables as a sample: what the preview prices. */
  async audienceGroups(campaignId: string): Promise<{ locale: string | null; country: string | null; count: number; samplePhone: string; sampleVariables: Record<string, string> }[]> {
    const rows: { locale: string | null; country: string | null; n: string; phone: string; variables: Record<string, string> }[] = await this.db.query(
      `SELECT g.locale, g.country, g.n, s.phone, s.variables
       FROM (SELECT locale, country, count(*) AS n, min(id) AS first FROM campaign_recipients WHERE campaign_id = $1 GROUP BY locale, country) g
       JOIN campaign_recipients s ON s.id = g.first ORDER BY g.locale NULLS FIRST, g.country`,
      [campaignId],
    );
    return rows.map((r) => ({ locale: r.locale, country: r.country, count: Number(r.n), samplePhone: r.phone, sampleVariables: r.variables }));
  }

  /** The report's figures, all counted from the rows. */
  async report(campaignId: string) {
    const [totals]: {
      sent: string;
      delivered: string;
      failed: string;
      cancelled: string;
      in_flight: string;
      cost: number | null;
      unpriced: string;
      p50: number | null;
      p95: number | null;
    }[] = await this.db.query(
      `WITH m AS (SELECT * FROM messages WHERE campaign_id = $1),
            a AS (SELECT a.*, m.segments, m.country, ${ATTEMPT_PRICE} AS price FROM message_attempts a JOIN m ON m.id = a.message_id LEFT JOIN carriers c ON c.id = a.carrier_id WHERE ${CHARGED_ATTEMPTS})
       SELECT (SELECT count(*) FROM m WHERE status <> 'cancelled') AS sent,
              (SELECT count(*) FROM m WHERE status = 'delivered') AS delivered,
              (SELECT count(*) FROM m WHERE status = 'failed') AS failed,
              (SELECT count(*) FROM m WHERE status = 'cancelled') AS cancelled,
              (SELECT count(*) FROM m WHERE status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')) AS in_flight,
              (SELECT sum(price * segments) FROM a) AS cost,
              (SELECT count(*) FROM a WHERE price IS NULL) AS unpriced,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - submitted_at) * 1000) FROM a WHERE status = 'delivered' AND completed_at IS NOT NULL) AS p50,
              (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - submitted_at) * 1000) FROM a WHERE status = 'delivered' AND completed_at IS NOT NULL) AS p95`,
      [campaignId],
    );
    const failedByCode: { code: string | null; n: string }[] = await this.db.query(
      `SELECT failure_code AS code, count(*) AS n FROM messages WHERE campaign_id = $1 AND status = 'failed' GROUP BY failure_code ORDER BY count(*) DESC`,
      [campaignId],
    );
    const skipped: { state: string; n: string }[] = await this.db.query(
      `SELECT state, count(*) AS n FROM campaign_recipients WHERE campaign_id = $1 AND state IN ('opted_out', 'no_consent', 'expired', 'invalid') GROUP BY state`,
      [campaignId],
    );
    const byCountry: { country: string | null; sent: string; delivered: string; failed: string; cost: number | null }[] = await this.db.query(
      `SELECT m.country, count(*) FILTER (WHERE m.status <> 'cancelled') AS sent, count(*) FILTER (WHERE m.status = 'delivered') AS delivered,
              count(*) FILTER (WHERE m.status = 'failed') AS failed,
              (SELECT sum(${ATTEMPT_PRICE} * m2.segments) FROM messages m2 JOIN message_attempts a ON a.message_id = m2.id LEFT JOIN carriers c ON c.id = a.carrier_id
                 WHERE m2.campaign_id = $1 AND m2.country IS NOT DISTINCT FROM m.country AND ${CHARGED_ATTEMPTS.replace(/m\./g, 'm2.')}) AS cost
       FROM messages m WHERE m.campaign_id = $1 GROUP BY m.country ORDER BY m.country`,
      [campaignId],
    );
    const byCarrier: { carrier: string; attempts: string; delivered: string; failed: string; cost: number | null; p50: number | null; p95: number | null }[] = await this.db.query(
      `SELECT a.carrier_id AS carrier, count(*) AS attempts, count(*) FILTER (WHERE a.status = 'delivered') AS delivered,
              count(*) FILTER (WHERE a.status <> 'delivered') AS failed,
              sum(CASE WHEN ${CHARGED_ATTEMPTS} THEN ${ATTEMPT_PRICE} * m.segments END) AS cost,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.completed_at - a.submitted_at) * 1000) FILTER (WHERE a.status = 'delivered') AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.completed_at - a.submitted_at) * 1000) FILTER (WHERE a.status = 'delivered') AS p95
       FROM messages m JOIN message_attempts a ON a.message_id = m.id LEFT JOIN carriers c ON c.id = a.carrier_id
       WHERE m.campaign_id = $1 GROUP BY a.carrier_id ORDER BY a.carrier_id`,
      [campaignId],
    );
    const count = (s: string) => Number(skipped.find((x) => x.state === s)?.n ?? 0);
    const delivered = Number(totals.delivered);
    const cost = totals.cost === null ? 0 : Number(totals.cost);
    return {
      sent: Number(totals.sent),
      delivered,
      failed: Number(totals.failed),
      cancelled: Number(totals.cancelled),
      inFlight: Number(totals.in_flight),
      failedByCode: Object.fromEntries(failedByCode.map((f) => [f.code ?? 'unknown', Number(f.n)])),
      optedOut: count('opted_out'),
      noConsent: count('no_consent'),
      expired: count('expired'),
      invalid: count('invalid'),
      cost,
      unpricedAttempts: Number(totals.unpriced),
      costPerDelivered: delivered > 0 ? cost / delivered : null,
      receiptLatencyMs: { median: totals.p50, p95: totals.p95 },
      byCountry: byCountry.map((c) => ({ country: c.country, sent: Number(c.sent), delivered: Number(c.delivered), failed: Number(c.failed), cost: c.cost === null ? 0 : Number(c.cost) })),
      byCarrier: byCarrier.map((c) => ({
        carrierId: c.carrier,
        attempts: Number(c.attempts),
        delivered: Number(c.delivered),
        failed: Number(c.failed),
        cost: c.cost === null ? 0 : Number(c.cost),
        receiptLatencyMs: { median: c.p50, p95: c.p95 },
      })),
    };
  }

  /** Per-recipient outcomes in recipient order, `limit` at a time after recipient `afterId` (the streamed export). */
  async outcomes(campaignId: string, afterId: string, limit: number) {
    const rows: {
      id: string;
      phone: string;
      country: string | null;
      locale: string | null;
      state: RecipientState;
      message_id: string | null;
      status: string | null;
      carrier_id: string | null;
      attempts: number | null;
      failure_code: string | null;
      failure_reason: string | null;
      updated_at: Date | null;
    }[] = await this.db.query(
      `SELECT r.id::text AS id, r.phone, r.country, r.locale, r.state, m.id AS message_id, m.status, m.carrier_id, m.attempts, m.failure_code, m.failure_reason, m.updated_at
       FROM campaign_recipients r LEFT JOIN messages m ON m.campaign_id = r.campaign_id AND m.campaign_recipient_id = r.id
       WHERE r.campaign_id = $1 AND r.id > $2::bigint ORDER BY r.id LIMIT $3`,
      [campaignId, afterId, limit],
    );
    return rows;
  }
}
