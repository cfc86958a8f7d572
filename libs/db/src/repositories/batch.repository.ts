// The bulk path's database side: a page of 'batch' messages is claimed by one sendBatch
// workflow, submitted attempt by attempt with multi-row writes, and finished by receipts
// applied straight to the rows (no workflow per message). Each message keeps its attempts,
// its event timeline and its status, exactly as a per-message workflow would leave them.
import { PRIORITY_KEYS, type CarrierReceipt, type MessagePriority, type ReceiptState } from '@app/contracts';
import { isFinalStat } from '@app/domain';
import { AttemptFailure, decideAttempt, LastAttempt, noCarrierFailure, PartReceipt, receiptTimeoutFailure } from '@app/lifecycle';
import { keyringOf } from '../data-keyring';
import { DataSource, EntityManager } from 'typeorm';
import { handedOver, wakeDispatchers } from './dispatch.repository';
import { returningRows } from './returning';
import { queueSmppReceipts } from './smpp-receipts';
import { queueStatusCallbacks } from './status-callbacks';

export interface BatchMessage {
  id: string;
  accountId: string;
  to: string;
  from: string;
  body: string;
  priority: MessagePriority;
  segments: number;
  /** ISO country of `to`, stored at accept (null for a non-geographic number or a message accepted before it was). */
  country: string | null;
  /** Carriers already tried, in order: the next attempt takes the first other carrier of its plan. */
  tried: string[];
  /** The last attempt (what the message fails with when no carrier is left), null before the first. */
  last: LastAttempt | null;
}

export interface SubmittedRow {
  messageId: string;
  attempt: number;
  carrierId: string;
  carrierMessageId: string;
  partIds: string[];
  /** The carrier sends a receipt for the first part only (decides a multipart attempt). */
  firstPartOnly: boolean;
  routingVersion: number | null;
  ruleId: string | null;
  country: string | null;
}

export interface FailedRow {
  messageId: string;
  attempt: number;
  carrierId: string | null;
  reason: string;
  code: string;
  rawCode: string;
  /** Final: the message fails now (permanent error, or no carrier left). */
  final: boolean;
}

export type BatchReceiptOutcome = 'delivered' | 'failed' | 'waiting' | 'ignored';

/** An attempt of a bulk page (sendBatch workflow `batch-<batchId>`). */
export interface PageAttempt {
  batchId: string;
  attempt: number;
}

export class BatchRepository {
  constructor(private readonly db: DataSource) {}

  /** Of these pages' attempts, the ones with no receipt outstanding any more (the receipt router tells those pages). */
  async attemptsComplete(pages: PageAttempt[]): Promise<PageAttempt[]> {
    if (pages.length === 0) return [];
    const rows: { batch_id: string; attempt: number }[] = await this.db.query(
      `SELECT t.batch_id, t.attempt FROM unnest($1::uuid[], $2::int[]) AS t(batch_id, attempt)
       WHERE NOT EXISTS (SELECT 1 FROM message_attempts a JOIN messages m ON m.id = a.message_id
                         WHERE a.batch_id = t.batch_id AND a.attempt = t.attempt AND a.status = 'submitted' AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected'))`,
      [pages.map((p) => p.batchId), pages.map((p) => p.attempt)],
    );
    return rows.map((r) => ({ batchId: r.batch_id, attempt: r.attempt }));
  }

  /**
   * Messages of the page that need attempt `attempt`: not final, and whose previous attempt
   * failed or got no receipt (that attempt is recorded as timed out here). Messages already
   * submitted for this attempt (a retried activity) are left out: never sent twice.
   */
  async dueForAttempt(batchId: string, attempt: number): Promise<BatchMessage[]> {
    return this.db.transaction(async (tx) => {
      if (attempt > 1) {
        const timedOut = returningRows<{ message_id: string; carrier_id: string; carrier_message_id: string }>(
          await tx.query(
            `UPDATE message_attempts a SET status = 'receipt_timeout', completed_at = now(), error = jsonb_build_object('carrierMessageId', a.carrier_message_id)
             WHERE a.batch_id = $1 AND a.attempt = $2 AND a.status = 'submitted'
             RETURNING a.message_id, a.carrier_id, a.carrier_message_id`,
            [batchId, attempt - 1],
          ),
        );
        if (timedOut.length > 0) {
          await tx.query(
            `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail)
             SELECT id, 'receipt_timeout', carrier, $2, jsonb_build_object('carrierMessageId', cmid) FROM unnest($1::uuid[], $3::text[], $4::text[]) AS t(id, carrier, cmid)`,
            [timedOut.map((t) => t.message_id), attempt - 1, timedOut.map((t) => t.carrier_id), timedOut.map((t) => t.carrier_message_id)],
          );
        }
      }
      return this.pageMessages(tx, batchId, attempt);
    });
  }

  /** The page's messages not final yet, with their attempts so far (the page's end: a voice call or a failure for each). */
  async unfinished(batchId: string): Promise<BatchMessage[]> {
    return this.db.transaction((tx) => this.pageMessages(tx, batchId, null));
  }

  /** The page's messages not final, without an attempt numbered `attempt` or later (null: any). */
  private async pageMessages(tx: EntityManager, batchId: string, attempt: number | null): Promise<BatchMessage[]> {
    const rows: (Omit<BatchMessage, 'accountId' | 'to' | 'from'> & { account_id: string; to_number: string; from_address: string })[] = await tx.query(
      `SELECT m.id, m.account_id, m.to_number, m.from_address, m.body, m.priority, m.segments, m.country,
              COALESCE((SELECT array_agg(a.carrier_id ORDER BY a.attempt) FROM message_attempts a WHERE a.message_id = m.id), '{}') AS tried,
              (SELECT jsonb_build_object('carrierId', a.carrier_id, 'status', a.status, 'error', a.error::jsonb) FROM message_attempts a
                WHERE a.message_id = m.id ORDER BY a.attempt DESC LIMIT 1) AS last
       FROM messages m
       WHERE m.batch_id = $1 AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')
         AND ($2::int IS NULL OR NOT EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = m.id AND a.attempt >= $2))
       ORDER BY m.created_at`,
      [batchId, attempt],
    );
    const keyring = keyringOf(tx);
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id,
        accountId: r.account_id,
        to: r.to_number,
        from: r.from_address,
        body: await keyring.open(r.body),
        priority: r.priority,
        segments: r.segments,
        country: r.country,
        tried: r.tried,
        last: r.last,
      })),
    );
  }

  /**
   * Messages that need per-message handling (every SMS carrier failed and their route ends in a
   * voice call) leave the page: back to `accepted` on the workflow shape, with the intent to start
   * their own sendMessage workflow (which goes on from their attempts), in one transaction; the
   * dispatchers are woken after it. Returns how many left.
   */
  async release(batchId: string, messageIds: string[], reason: string): Promise<number> {
    if (messageIds.length === 0) return 0;
    const released = await this.db.transaction(async (tx) => {
      const left = returningRows<{ id: string; account_id: string; priority: MessagePriority; attempts: number }>(
        await tx.query(
          `UPDATE messages SET delivery = 'workflow', batch_id = NULL, status = 'accepted', updated_at = now()
           WHERE id = ANY($1::uuid[]) AND batch_id = $2 AND status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') RETURNING id, account_id, priority, attempts`,
          [messageIds, batchId],
        ),
      );
      if (left.length === 0) return 0;
      // Only a message no carrier has had still counts as waiting for its first submit.
      await handedOver(tx, batchId, left.filter((l) => l.attempts === 0).length);
      const ids = left.map((l) => l.id);
      await tx.query(`INSERT INTO workflow_starts (message_id, account_id, priority, rank) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[]) ON CONFLICT DO NOTHING`, [
        ids,
        left.map((l) => l.account_id),
        left.map((l) => l.priority),
        left.map((l) => PRIORITY_KEYS[l.priority]),
      ]);
      // Its `queued` event was read from queued_at and batch_id: now that batch_id is gone, it is stored, at the time it happened.
      await tx.query(
        `INSERT INTO message_events (message_id, type, detail, occurred_at)
         SELECT id, 'queued', jsonb_build_object('batchId', $2::text), queued_at FROM messages WHERE id = ANY($1::uuid[]) AND queued_at IS NOT NULL
         UNION ALL
         SELECT id, 'left_page', jsonb_build_object('batchId', $2::text, 'reason', $3::text), now() FROM unnest($1::uuid[]) AS t(id)`,
        [ids, batchId, reason],
      );
      return left.length;
    });
    if (released > 0) wakeDispatchers(this.db, 'workflows');
    return released;
  }

  /** Attempts the carriers accepted, for page `batchId`. */
  async recordSubmitted(batchId: string, rows: SubmittedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof SubmittedRow>(key: K) => rows.map((r) => r[key]);
    await this.db.transaction(async (tx) => {
      const attempts = returningRows<{ attempt: number }>(
        await tx.query(
          `INSERT INTO message_attempts (message_id, attempt, carrier_id, carrier_message_id, receipts_first_part_only, status, submitted_at, batch_id)
           SELECT * , 'submitted', now(), $6::uuid FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::boolean[]) ON CONFLICT (message_id, attempt) DO NOTHING
           RETURNING attempt`,
          [col('messageId'), col('attempt'), col('carrierId'), col('carrierMessageId'), rows.map((r) => r.firstPartOnly && r.partIds.length > 1), batchId],
        ),
      );
      await handedOver(tx, batchId, attempts.filter((a) => a.attempt === 1).length);
      const parts = rows.filter((r) => r.partIds.length > 1).flatMap((r) => r.partIds.map((id, i) => ({ r, id, n: i + 1 })));
      if (parts.length > 0) {
        await tx.query(
          `INSERT INTO message_parts (carrier_id, carrier_message_id, message_id, attempt, part_number)
           SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int[], $5::int[]) ON CONFLICT DO NOTHING`,
          [parts.map((p) => p.r.carrierId), parts.map((p) => p.id), parts.map((p) => p.r.messageId), parts.map((p) => p.r.attempt), parts.map((p) => p.n)],
        );
      }
      const submitted = returningRows<{ id: string }>(
        await tx.query(
          `UPDATE messages m SET status = 'submitted', carrier_id = t.carrier, attempts = t.attempt, routing_version = COALESCE(m.routing_version, t.version),
             routing_rule_id = COALESCE(m.routing_rule_id, t.rule), country = COALESCE(m.country, t.country), updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[]) AS t(id, carrier, attempt, version, rule, country)
           WHERE m.id = t.id AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') RETURNING m.id`,
          [col('messageId'), col('carrierId'), col('attempt'), col('routingVersion'), col('ruleId'), col('country')],
        ),
      );
      // The attempt's row is its `submitted` event (message-timeline.ts): no event row.
      await queueStatusCallbacks(
        tx,
        submitted.map((r) => r.id),
        'submitted',
      );
    });
  }

  /** Attempts that failed before a carrier took them, for page `batchId`. */
  async recordFailed(batchId: string, rows: FailedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const withCarrier = rows.filter((r) => r.carrierId !== null);
    await this.db.transaction(async (tx) => {
      if (withCarrier.length > 0) {
        await tx.query(
          `INSERT INTO message_attempts (message_id, attempt, carrier_id, status, error, completed_at, batch_id)
           SELECT id, attempt, carrier, 'submit_failed', jsonb_build_object('reason', reason, 'code', code, 'rawCode', raw), now(), $7::uuid
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, attempt, carrier, reason, code, raw)
           ON CONFLICT (message_id, attempt) DO NOTHING`,
          [withCarrier.map((r) => r.messageId), withCarrier.map((r) => r.attempt), withCarrier.map((r) => r.carrierId), withCarrier.map((r) => r.reason), withCarrier.map((r) => r.code), withCarrier.map((r) => r.rawCode), batchId],
        );
        await tx.query(
          `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail)
           SELECT id, 'submit_failed', carrier, attempt, jsonb_build_object('reason', reason, 'code', code, 'rawCode', raw)
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, attempt, carrier, reason, code, raw)`,
          [withCarrier.map((r) => r.messageId), withCarrier.map((r) => r.attempt), withCarrier.map((r) => r.carrierId), withCarrier.map((r) => r.reason), withCarrier.map((r) => r.code), withCarrier.map((r) => r.rawCode)],
        );
      }
      // Only rows this call records count down the page's messages still to hand over (a retried chunk finds them recorded).
      const recorded = returningRows<{ attempt: number }>(
        await tx.query(
          `UPDATE messages m SET attempts = t.attempt, updated_at = now() FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt)
           WHERE m.id = t.id AND m.attempts < t.attempt RETURNING t.attempt`,
          [rows.map((r) => r.messageId), rows.map((r) => r.attempt)],
        ),
      );
      await handedOver(tx, batchId, recorded.filter((r) => r.attempt === 1).length);
      const final = rows.filter((r) => r.final);
      await this.fail(tx, final.map((r) => ({ id: r.messageId, reason: r.reason, code: r.code, rawCode: r.rawCode })));
    });
  }

  /** Messages of the page still waiting for a receipt of their current attempt. */
  async awaitingReceipts(batchId: string, attempt: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM message_attempts a JOIN messages m ON m.id = a.message_id
       WHERE a.batch_id = $1 AND a.attempt = $2 AND a.status = 'submitted' AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')`,
      [batchId, attempt],
    );
    return Number(rows[0].n);
  }

  /** Messages of the page without a final status (0: the page has nothing left to try). */
  async undecided(batchId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM messages WHERE batch_id = $1 AND status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')`, [batchId]);
    return Number(rows[0].n);
  }

  /**
   * The page has been through its first attempt: every message was handed to a carrier, failed
   * or left the page, so the batch dispatcher no longer counts it (its start intent goes).
   */
  async firstAttemptDone(batchId: string): Promise<void> {
    await this.db.query(`DELETE FROM page_starts WHERE batch_id = $1`, [batchId]);
  }

  /**
   * Ends the page: whatever is not final has failed, for the reason its last attempt ended
   * (a receipt that never came within `receiptWaitMs` is that attempt's timeout).
   */
  async finish(batchId: string, receiptWaitMs: number): Promise<{ failed: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM page_starts WHERE batch_id = $1`, [batchId]);
      const rows: { id: string; status: string | null; error: { reason?: string; code?: string; rawCode?: string } | null; carrier_id: string | null }[] = await tx.query(
        `SELECT m.id, a.status, a.error, a.carrier_id FROM messages m
         LEFT JOIN message_attempts a ON a.message_id = m.id AND a.attempt = m.attempts
         WHERE m.batch_id = $1 AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')`,
        [batchId],
      );
      const failures = rows.map((r) => {
        const failure =
          r.carrier_id === null
            ? noCarrierFailure()
            : r.status === 'submitted' || r.status === 'receipt_timeout' || !r.error?.code
              ? receiptTimeoutFailure(r.carrier_id, receiptWaitMs)
              : { reason: r.error.reason ?? `attempt failed: ${r.status}`, error: { code: r.error.code, rawCode: r.error.rawCode ?? String(r.status) } };
        return { id: r.id, reason: failure.reason, code: failure.error.code, rawCode: failure.error.rawCode };
      });
      // A receipt that never came is a timeout of the last attempt, in the timeline too.
      await tx.query(
        `UPDATE message_attempts a SET status = 'receipt_timeout', completed_at = now() WHERE a.batch_id = $1 AND a.status = 'submitted'`,
        [batchId],
      );
      await this.fail(tx, failures);
      return { failed: failures.length };
    });
  }

  private async fail(tx: EntityManager, rows: { id: string; reason: string; code: string; rawCode: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const changed = returningRows<{ id: string }>(
      await tx.query(
        `UPDATE messages m SET status = 'failed', failure_reason = t.reason, failure_code = t.code, carrier_error_code = t.raw, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t(id, reason, code, raw)
         WHERE m.id = t.id AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') RETURNING m.id`,
        [rows.map((r) => r.id), rows.map((r) => r.reason), rows.map((r) => r.code), rows.map((r) => r.rawCode)],
      ),
    );
    const ids = changed.map((c) => c.id);
    await tx.query(
      `INSERT INTO message_events (message_id, type, detail)
       SELECT m.id, 'failed', jsonb_build_object('reason', m.failure_reason, 'code', m.failure_code, 'rawCode', m.carrier_error_code) FROM messages m WHERE m.id = ANY($1::uuid[])`,
      [ids],
    );
    await queueSmppReceipts(tx, ids);
    await queueStatusCallbacks(tx, ids, 'failed');
  }

  /**
   * Applies final receipts to bulk messages, set-based: a handful of statements and one commit
   * for a whole group, whatever its size (the bulk path's receipt rate depends on it). Each
   * receipt is matched to its message's current attempt (by the attempt's id or one of its
   * parts'), part states are recorded, and the attempt is decided by the delivery lifecycle
   * (`decideAttempt`, the same function the message workflow calls): a failure another carrier
   * may not repeat leaves the message for the page's next attempt, a permanent one fails it now.
   * Receipts for an attempt that is no longer current are kept as records only. Returns each
   * receipt's outcome and the pages (and attempts) it touched.
   */
  async applyReceipts(items: { messageId: string; receipt: CarrierReceipt }[]): Promise<{ outcomes: BatchReceiptOutcome[]; pages: PageAttempt[] }> {
    const final = items.filter((i) => isFinalStat(i.receipt.state));
    if (final.length === 0) return { outcomes: items.map(() => 'ignored'), pages: [] };
    return this.db.transaction(async (tx) => {
      const matches: { i: number; message_id: string; batch_id: string; attempt: number; carrier_id: string; first_part_only: boolean; parts: number }[] = await tx.query(
        `SELECT k.i, m.id AS message_id, m.batch_id, a.attempt, a.carrier_id, a.receipts_first_part_only AS first_part_only,
                (SELECT count(*)::int FROM message_parts p WHERE p.message_id = a.message_id AND p.attempt = a.attempt) AS parts
         FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS k(message_id, carrier_id, cmid, i)
         JOIN messages m ON m.id = k.message_id AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected')
         JOIN message_attempts a ON a.message_id = m.id AND a.attempt = m.attempts AND a.carrier_id = k.carrier_id AND a.status = 'submitted'
           AND (a.carrier_message_id = k.cmid OR EXISTS (SELECT 1 FROM message_parts p WHERE p.message_id = a.message_id AND p.attempt = a.attempt
                                                         AND p.carrier_id = k.carrier_id AND p.carrier_message_id = k.cmid))
         FOR UPDATE OF m`,
        [final.map((f) => f.messageId), final.map((f) => f.receipt.carrierId), final.map((f) => f.receipt.carrierMessageId)],
      );
      const matched = matches.map((m) => ({ ...m, item: final[m.i - 1] }));
      // The parts of each attempt, in order, with the receipts known so far (stored and this group's).
      const multipart = matched.filter((m) => m.parts > 1);
      const partsOf = new Map<string, (PartReceipt | undefined)[]>();
      if (multipart.length > 0) {
        await tx.query(
          `UPDATE message_parts p SET receipt_state = COALESCE(p.receipt_state, t.state)
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS t(message_id, attempt, cmid, state)
           WHERE p.message_id = t.message_id AND p.attempt = t.attempt AND p.carrier_message_id = t.cmid`,
          [multipart.map((m) => m.message_id), multipart.map((m) => m.attempt), multipart.map((m) => m.item.receipt.carrierMessageId), multipart.map((m) => m.item.receipt.state)],
        );
        const states: { message_id: string; cmid: string; receipt_state: ReceiptState | null }[] = await tx.query(
          `SELECT p.message_id, p.carrier_message_id AS cmid, p.receipt_state FROM message_parts p JOIN unnest($1::uuid[], $2::int[]) AS t(message_id, attempt)
             ON p.message_id = t.message_id AND p.attempt = t.attempt ORDER BY p.message_id, p.part_number`,
          [multipart.map((m) => m.message_id), multipart.map((m) => m.attempt)],
        );
        const inGroup = new Map(multipart.map((m) => [`${m.message_id}/${m.item.receipt.carrierMessageId}`, m.item.receipt]));
        for (const row of states) {
          const part = inGroup.get(`${row.message_id}/${row.cmid}`) ?? (row.receipt_state ? { state: row.receipt_state, errorCode: '000' } : undefined);
          partsOf.set(row.message_id, [...(partsOf.get(row.message_id) ?? []), part]);
        }
      }
      // One decision per message, by the lifecycle.
      const outcomes = new Map<{ messageId: string; receipt: CarrierReceipt }, BatchReceiptOutcome>();
      const delivered: (typeof matched)[number][] = [];
      const failed: { m: (typeof matched)[number]; failure: AttemptFailure; receipt: PartReceipt }[] = [];
      const seen = new Set<string>();
      for (const m of matched) {
        if (seen.has(m.message_id)) {
          outcomes.set(m.item, 'ignored');
          continue;
        }
        const decision = decideAttempt(m.carrier_id, partsOf.get(m.message_id) ?? [m.item.receipt], m.first_part_only);
        if (decision.outcome === 'waiting') {
          outcomes.set(m.item, 'waiting');
          continue;
        }
        seen.add(m.message_id);
        if (decision.outcome === 'delivered') delivered.push(m);
        else failed.push({ m, failure: decision, receipt: decision.receipt });
      }
      const detail = (m: (typeof matched)[number]) => ({ carrierMessageId: m.item.receipt.carrierMessageId, receiptState: m.item.receipt.state, errorCode: m.item.receipt.errorCode });
      if (delivered.length > 0) {
        const ids = delivered.map((d) => d.message_id);
        // The attempt's row, with the receipt that decided it, is its `receipt` and `delivered` events (message-timeline.ts).
        await tx.query(
          `UPDATE message_attempts a SET status = 'delivered', completed_at = now(), receipt = t.receipt
           FROM unnest($1::uuid[], $2::int[], $3::jsonb[]) AS t(id, attempt, receipt) WHERE a.message_id = t.id AND a.attempt = t.attempt`,
          [ids, delivered.map((d) => d.attempt), delivered.map((d) => JSON.stringify(detail(d)))],
        );
        await tx.query(`UPDATE messages m SET status = 'delivered', carrier_id = t.carrier, updated_at = now() FROM unnest($1::uuid[], $2::text[]) AS t(id, carrier) WHERE m.id = t.id`, [
          ids,
          delivered.map((d) => d.carrier_id),
        ]);
        await queueSmppReceipts(tx, ids);
        await queueStatusCallbacks(tx, ids, 'delivered');
        for (const d of delivered) outcomes.set(d.item, 'delivered');
      }
      if (failed.length > 0) {
        const errors = failed.map(({ m, failure, receipt }) =>
          JSON.stringify({ carrierMessageId: m.item.receipt.carrierMessageId, receiptState: receipt.state, errorCode: receipt.errorCode, reason: failure.reason, ...failure.error }),
        );
        await tx.query(
          `UPDATE message_attempts a SET status = 'receipt_failed', error = t.error, completed_at = now()
           FROM unnest($1::uuid[], $2::int[], $3::jsonb[]) AS t(id, attempt, error) WHERE a.message_id = t.id AND a.attempt = t.attempt`,
          [failed.map((f) => f.m.message_id), failed.map((f) => f.m.attempt), errors],
        );
        await tx.query(
          `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail) SELECT id, 'receipt', carrier, attempt, error
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) AS t(id, carrier, attempt, error)`,
          [failed.map((f) => f.m.message_id), failed.map((f) => f.m.carrier_id), failed.map((f) => f.m.attempt), errors],
        );
        const stopped = failed.filter((f) => f.failure.stop);
        await this.fail(tx, stopped.map(({ m, failure }) => ({ id: m.message_id, reason: failure.reason, code: failure.error.code, rawCode: failure.error.rawCode })));
        for (const { m, failure } of failed) outcomes.set(m.item, failure.stop ? 'failed' : 'waiting');
      }
      const pages = new Map(matched.filter((m) => m.batch_id).map((m) => [`${m.batch_id}/${m.attempt}`, { batchId: m.batch_id, attempt: m.attempt }]));
      return { outcomes: items.map((i) => outcomes.get(i) ?? 'ignored'), pages: [...pages.values()] };
    });
  }

  /** Batch message id for a carrier's message id (the bulk path's receipt lookup), with whether it is a bulk message. */
  async deliveryOf(messageId: string): Promise<'workflow' | 'batch' | null> {
    const rows: { delivery: 'workflow' | 'batch' }[] = await this.db.query(`SELECT delivery FROM messages WHERE id = $1`, [messageId]);
    return rows[0]?.delivery ?? null;
  }
}
