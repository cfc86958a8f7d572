// The bulk path's database side: a page of 'batch' messages is claimed by one sendBatch
// workflow, submitted attempt by attempt with multi-row writes, and finished by receipts
// applied straight to the rows (no workflow per message). Each message keeps its attempts,
// its event timeline and its status, exactly as a per-message workflow would leave them.
import type { CarrierReceipt, MessagePriority } from '@app/contracts';
import { classifyReceipt, isFinalStat } from '@app/domain';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from './returning';
import { queueSmppReceipts } from './smpp-receipts';

export interface BatchMessage {
  id: string;
  accountId: string;
  to: string;
  from: string;
  body: string;
  priority: MessagePriority;
  segments: number;
  /** Carriers already tried, in order: the next attempt takes the first other carrier of its plan. */
  tried: string[];
}

export interface SubmittedRow {
  messageId: string;
  attempt: number;
  carrierId: string;
  carrierMessageId: string;
  partIds: string[];
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

  /**
   * Bulk messages waiting to be claimed (at most `limit` counted), the age of the oldest, and
   * how many claimed messages no carrier has been handed yet (pages still submitting).
   */
  async pending(limit: number): Promise<{ count: number; oldestMs: number; unsubmitted: number }> {
    const rows: { n: string; age: number | null; unsubmitted: string }[] = await this.db.query(
      `SELECT count(*) AS n, (EXTRACT(EPOCH FROM now() - min(created_at)) * 1000)::float8 AS age,
              (SELECT count(*) FROM messages WHERE delivery = 'batch' AND status = 'queued' AND attempts = 0) AS unsubmitted
       FROM (SELECT created_at FROM messages WHERE delivery = 'batch' AND status = 'accepted' ORDER BY created_at LIMIT $1) p`,
      [limit],
    );
    return { count: Number(rows[0].n), oldestMs: rows[0].age ?? 0, unsubmitted: Number(rows[0].unsubmitted) };
  }

  /** Of these pages' attempts, the ones with no receipt outstanding any more (the receipt router tells those pages). */
  async attemptsComplete(pages: PageAttempt[]): Promise<PageAttempt[]> {
    if (pages.length === 0) return [];
    const rows: { batch_id: string; attempt: number }[] = await this.db.query(
      `SELECT t.batch_id, t.attempt FROM unnest($1::uuid[], $2::int[]) AS t(batch_id, attempt)
       WHERE NOT EXISTS (SELECT 1 FROM message_attempts a JOIN messages m ON m.id = a.message_id
                         WHERE a.batch_id = t.batch_id AND a.attempt = t.attempt AND a.status = 'submitted' AND m.status NOT IN ('delivered', 'failed', 'cancelled'))`,
      [pages.map((p) => p.batchId), pages.map((p) => p.attempt)],
    );
    return rows.map((r) => ({ batchId: r.batch_id, attempt: r.attempt }));
  }

  async claimedCount(batchId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM messages WHERE batch_id = $1`, [batchId]);
    return Number(rows[0].n);
  }

  /** Claims up to `limit` waiting messages for a page; a retried claim returns the same page. */
  async claim(batchId: string, limit: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `WITH claimed AS (
           UPDATE messages SET status = 'queued', batch_id = $1, updated_at = now()
           WHERE id IN (SELECT id FROM messages WHERE delivery = 'batch' AND status = 'accepted' AND batch_id IS NULL
                        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id)
         INSERT INTO message_events (message_id, type, detail) SELECT id, 'queued', jsonb_build_object('batchId', $1::text) FROM claimed`,
        [batchId, limit],
      );
      const rows: { n: string }[] = await tx.query(`SELECT count(*) AS n FROM messages WHERE batch_id = $1`, [batchId]);
      return Number(rows[0].n);
    });
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
      const rows: { id: string; account_id: string; to_number: string; from_address: string; body: string; priority: MessagePriority; segments: number; tried: string[] }[] =
        await tx.query(
          `SELECT m.id, m.account_id, m.to_number, m.from_address, m.body, m.priority, m.segments,
                  COALESCE((SELECT array_agg(a.carrier_id ORDER BY a.attempt) FROM message_attempts a WHERE a.message_id = m.id), '{}') AS tried
           FROM messages m
           WHERE m.batch_id = $1 AND m.status NOT IN ('delivered', 'failed', 'cancelled')
             AND NOT EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = m.id AND a.attempt >= $2)
           ORDER BY m.created_at`,
          [batchId, attempt],
        );
      return rows.map((r) => ({ id: r.id, accountId: r.account_id, to: r.to_number, from: r.from_address, body: r.body, priority: r.priority, segments: r.segments, tried: r.tried }));
    });
  }

  /** Attempts the carriers accepted, for page `batchId`. */
  async recordSubmitted(batchId: string, rows: SubmittedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof SubmittedRow>(key: K) => rows.map((r) => r[key]);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO message_attempts (message_id, attempt, carrier_id, carrier_message_id, status, submitted_at, batch_id)
         SELECT * , 'submitted', now(), $5::uuid FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) ON CONFLICT (message_id, attempt) DO NOTHING`,
        [col('messageId'), col('attempt'), col('carrierId'), col('carrierMessageId'), batchId],
      );
      const parts = rows.filter((r) => r.partIds.length > 1).flatMap((r) => r.partIds.map((id, i) => ({ r, id, n: i + 1 })));
      if (parts.length > 0) {
        await tx.query(
          `INSERT INTO message_parts (carrier_id, carrier_message_id, message_id, attempt, part_number)
           SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int[], $5::int[]) ON CONFLICT DO NOTHING`,
          [parts.map((p) => p.r.carrierId), parts.map((p) => p.id), parts.map((p) => p.r.messageId), parts.map((p) => p.r.attempt), parts.map((p) => p.n)],
        );
      }
      await tx.query(
        `UPDATE messages m SET status = 'submitted', carrier_id = t.carrier, attempts = t.attempt, routing_version = COALESCE(m.routing_version, t.version),
           routing_rule_id = COALESCE(m.routing_rule_id, t.rule), country = COALESCE(m.country, t.country), updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[]) AS t(id, carrier, attempt, version, rule, country)
         WHERE m.id = t.id AND m.status NOT IN ('delivered', 'failed', 'cancelled')`,
        [col('messageId'), col('carrierId'), col('attempt'), col('routingVersion'), col('ruleId'), col('country')],
      );
      await tx.query(
        `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail)
         SELECT id, 'submitted', carrier, attempt, jsonb_build_object('carrierMessageId', cmid) FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS t(id, carrier, attempt, cmid)`,
        [col('messageId'), col('carrierId'), col('attempt'), col('carrierMessageId')],
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
      await tx.query(
        `UPDATE messages m SET attempts = GREATEST(m.attempts, t.attempt), updated_at = now() FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt) WHERE m.id = t.id`,
        [rows.map((r) => r.messageId), rows.map((r) => r.attempt)],
      );
      const final = rows.filter((r) => r.final);
      await this.fail(tx, final.map((r) => ({ id: r.messageId, reason: r.reason, code: r.code, rawCode: r.rawCode })));
    });
  }

  /** Messages of the page still waiting for a receipt of their current attempt. */
  async awaitingReceipts(batchId: string, attempt: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM message_attempts a JOIN messages m ON m.id = a.message_id
       WHERE a.batch_id = $1 AND a.attempt = $2 AND a.status = 'submitted' AND m.status NOT IN ('delivered', 'failed', 'cancelled')`,
      [batchId, attempt],
    );
    return Number(rows[0].n);
  }

  /** Messages of the page without a final status (0: the page has nothing left to try). */
  async undecided(batchId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM messages WHERE batch_id = $1 AND status NOT IN ('delivered', 'failed', 'cancelled')`, [batchId]);
    return Number(rows[0].n);
  }

  /** Ends the page: whatever is not final has failed, with the last attempt's reason. */
  async finish(batchId: string, lastAttempt: number): Promise<{ failed: number }> {
    return this.db.transaction(async (tx) => {
      const rows: { id: string; status: string | null; error: { reason?: string; code?: string; rawCode?: string } | null; carrier_id: string | null }[] = await tx.query(
        `SELECT m.id, a.status, a.error, a.carrier_id FROM messages m
         LEFT JOIN message_attempts a ON a.message_id = m.id AND a.attempt = m.attempts
         WHERE m.batch_id = $1 AND m.status NOT IN ('delivered', 'failed', 'cancelled')`,
        [batchId],
      );
      const failures = rows.map((r) => {
        if (r.status === 'submitted' || r.status === 'receipt_timeout' || r.status === null) {
          const carrier = r.carrier_id ?? 'none';
          return {
            id: r.id,
            reason: r.carrier_id ? `no delivery receipt from carrier ${carrier}` : 'no carrier available for this destination',
            code: r.carrier_id ? 'receipt_timeout' : 'no_route',
            rawCode: r.carrier_id ? `no receipt after attempt ${lastAttempt}` : 'no carrier in the route plan',
          };
        }
        return { id: r.id, reason: r.error?.reason ?? `attempt failed: ${r.status}`, code: r.error?.code ?? 'delivery_failed', rawCode: r.error?.rawCode ?? String(r.status) };
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
         WHERE m.id = t.id AND m.status NOT IN ('delivered', 'failed', 'cancelled') RETURNING m.id`,
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
  }

  /**
   * Applies final receipts to bulk messages, set-based: a handful of statements and one commit
   * for a whole group, whatever its size (the bulk path's receipt rate depends on it). For each
   * receipt, the part's or attempt's state, then the message's when it is decided (every part
   * delivered; any part failed). A failure the next carrier may not repeat leaves the message
   * for the page's next attempt; a permanent one fails it now. Receipts for an attempt that is
   * no longer current are kept as records only; a message with several receipts in the group
   * is decided once. Returns each receipt's outcome and the pages (and attempts) it touched.
   */
  async applyReceipts(items: { messageId: string; receipt: CarrierReceipt }[]): Promise<{ outcomes: BatchReceiptOutcome[]; pages: PageAttempt[] }> {
    const final = items.filter((i) => isFinalStat(i.receipt.state));
    if (final.length === 0) return { outcomes: items.map(() => 'ignored'), pages: [] };
    return this.db.transaction(async (tx) => {
      // The current attempt each receipt belongs to (by the attempt's id or one of its parts' ids).
      const matches: { i: number; message_id: string; batch_id: string; attempt: number; carrier_id: string; parts: number }[] = await tx.query(
        `SELECT k.i, m.id AS message_id, m.batch_id, a.attempt, a.carrier_id,
                (SELECT count(*)::int FROM message_parts p WHERE p.message_id = a.message_id AND p.attempt = a.attempt) AS parts
         FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS k(message_id, carrier_id, cmid, i)
         JOIN messages m ON m.id = k.message_id AND m.status NOT IN ('delivered', 'failed', 'cancelled')
         JOIN message_attempts a ON a.message_id = m.id AND a.attempt = m.attempts AND a.carrier_id = k.carrier_id AND a.status = 'submitted'
           AND (a.carrier_message_id = k.cmid OR EXISTS (SELECT 1 FROM message_parts p WHERE p.message_id = a.message_id AND p.attempt = a.attempt
                                                         AND p.carrier_id = k.carrier_id AND p.carrier_message_id = k.cmid))
         FOR UPDATE OF m`,
        [final.map((f) => f.messageId), final.map((f) => f.receipt.carrierId), final.map((f) => f.receipt.carrierMessageId)],
      );
      const outcomes = new Map<{ messageId: string; receipt: CarrierReceipt }, BatchReceiptOutcome>();
      const matched = matches.map((m) => ({ ...m, item: final[m.i - 1] }));
      // Parts: record every part's state, then read the states of each multipart attempt touched.
      const multipart = matched.filter((m) => m.parts > 1);
      const partStates = new Map<string, (string | null)[]>();
      if (multipart.length > 0) {
        await tx.query(
          `UPDATE message_parts p SET receipt_state = COALESCE(p.receipt_state, t.state)
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS t(message_id, attempt, cmid, state)
           WHERE p.message_id = t.message_id AND p.attempt = t.attempt AND p.carrier_message_id = t.cmid`,
          [multipart.map((m) => m.message_id), multipart.map((m) => m.attempt), multipart.map((m) => m.item.receipt.carrierMessageId), multipart.map((m) => m.item.receipt.state)],
        );
        const states: { message_id: string; receipt_state: string | null }[] = await tx.query(
          `SELECT p.message_id, p.receipt_state FROM message_parts p JOIN unnest($1::uuid[], $2::int[]) AS t(message_id, attempt)
             ON p.message_id = t.message_id AND p.attempt = t.attempt`,
          [multipart.map((m) => m.message_id), multipart.map((m) => m.attempt)],
        );
        for (const row of states) partStates.set(row.message_id, [...(partStates.get(row.message_id) ?? []), row.receipt_state]);
      }
      // One decision per message: a failed part fails it; delivered needs every part delivered.
      const decided = new Map<string, { m: (typeof matched)[number]; outcome: 'delivered' | 'receipt_failed' }>();
      for (const m of matched) {
        if (decided.has(m.message_id)) {
          outcomes.set(m.item, 'ignored');
          continue;
        }
        if (m.item.receipt.state !== 'DELIVRD') {
          decided.set(m.message_id, { m, outcome: 'receipt_failed' });
          continue;
        }
        const states = partStates.get(m.message_id);
        if (states && states.some((st) => st !== 'DELIVRD')) {
          if (states.some((st) => st !== null && st !== 'DELIVRD')) continue; // a failed part is decided by its own receipt
          outcomes.set(m.item, 'waiting');
          continue;
        }
        decided.set(m.message_id, { m, outcome: 'delivered' });
      }
      const delivered = [...decided.values()].filter((d) => d.outcome === 'delivered').map((d) => d.m);
      const failedReceipts = [...decided.values()].filter((d) => d.outcome === 'receipt_failed').map((d) => d.m);
      const detail = (m: (typeof matched)[number]) => ({ carrierMessageId: m.item.receipt.carrierMessageId, receiptState: m.item.receipt.state, errorCode: m.item.receipt.errorCode });
      if (delivered.length > 0) {
        const ids = delivered.map((d) => d.message_id);
        await tx.query(
          `UPDATE message_attempts a SET status = 'delivered', completed_at = now() FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt) WHERE a.message_id = t.id AND a.attempt = t.attempt`,
          [ids, delivered.map((d) => d.attempt)],
        );
        await tx.query(`UPDATE messages m SET status = 'delivered', carrier_id = t.carrier, updated_at = now() FROM unnest($1::uuid[], $2::text[]) AS t(id, carrier) WHERE m.id = t.id`, [
          ids,
          delivered.map((d) => d.carrier_id),
        ]);
        await tx.query(
          `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail)
           SELECT id, e.type, carrier, attempt, CASE WHEN e.type = 'receipt' THEN detail ELSE NULL END
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) AS t(id, carrier, attempt, detail), (VALUES (1, 'receipt'), (2, 'delivered')) AS e(n, type)
           ORDER BY id, e.n`,
          [ids, delivered.map((d) => d.carrier_id), delivered.map((d) => d.attempt), delivered.map((d) => JSON.stringify(detail(d)))],
        );
        await queueSmppReceipts(tx, ids);
        for (const d of delivered) outcomes.set(d.item, 'delivered');
      }
      if (failedReceipts.length > 0) {
        const classified = failedReceipts.map((f) => ({ f, c: classifyReceipt(f.item.receipt.state, f.item.receipt.errorCode) }));
        const errors = classified.map(({ f, c }) => JSON.stringify({ ...detail(f), code: c.code, rawCode: c.rawCode }));
        await tx.query(
          `UPDATE message_attempts a SET status = 'receipt_failed', error = t.error, completed_at = now()
           FROM unnest($1::uuid[], $2::int[], $3::jsonb[]) AS t(id, attempt, error) WHERE a.message_id = t.id AND a.attempt = t.attempt`,
          [failedReceipts.map((f) => f.message_id), failedReceipts.map((f) => f.attempt), errors],
        );
        await tx.query(
          `INSERT INTO message_events (message_id, type, carrier_id, attempt, detail) SELECT id, 'receipt', carrier, attempt, error
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) AS t(id, carrier, attempt, error)`,
          [failedReceipts.map((f) => f.message_id), failedReceipts.map((f) => f.carrier_id), failedReceipts.map((f) => f.attempt), errors],
        );
        const permanent = classified.filter(({ c }) => c.class === 'permanent');
        await this.fail(
          tx,
          permanent.map(({ f, c }) => ({
            id: f.message_id,
            reason: `carrier ${f.carrier_id} reported ${f.item.receipt.state} (err ${f.item.receipt.errorCode}): ${c.description}`,
            code: c.code,
            rawCode: c.rawCode,
          })),
        );
        for (const { f, c } of classified) outcomes.set(f.item, c.class === 'permanent' ? 'failed' : 'waiting');
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
