// Delivery receipts: stored before they are acknowledged to the carrier, then matched to
// our message through message_attempts. See README "Receipts" for the race this resolves.
import type { CarrierReceipt, ReceiptState } from '@app/contracts';
import { DataSource } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { returningRows } from './returning';

export interface StoredReceipt {
  id: string;
  receipt: CarrierReceipt;
  messageId: string | null;
  /** The shape of `messageId`'s message, on a receipt just stored and matched (storeMany) or swept up (takenUnapplied). */
  delivery?: 'workflow' | 'batch';
  appliedAt: Date | null;
}

interface ReceiptRow {
  id: string;
  carrier_id: string;
  carrier_message_id: string;
  state: ReceiptState;
  error_code: string;
  received_at: Date;
  message_id: string | null;
  applied_at: Date | null;
}

const toStored = (r: ReceiptRow): StoredReceipt => ({
  id: String(r.id),
  receipt: { carrierId: r.carrier_id, carrierMessageId: r.carrier_message_id, state: r.state, errorCode: r.error_code, receivedAt: new Date(r.received_at).toISOString() },
  messageId: r.message_id,
  appliedAt: r.applied_at,
});

export const receiptKey = (carrierId: string, carrierMessageId: string): string => `${carrierId}\u0000${carrierMessageId}`;

/**
 * The one lookup of a receipt's message: the message whose attempt, or one of whose parts (a
 * multipart message), the carrier knows by this id. A subquery yielding `message_id`, joined
 * LATERAL to the carrier id and carrier message id columns named.
 */
const messageOfCarrierId = (carrierId: string, carrierMessageId: string): string =>
  `(SELECT message_id FROM message_attempts a WHERE a.carrier_id = ${carrierId} AND a.carrier_message_id = ${carrierMessageId}
    UNION ALL SELECT message_id FROM message_parts p WHERE p.carrier_id = ${carrierId} AND p.carrier_message_id = ${carrierMessageId} LIMIT 1)`;

export class ReceiptRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores receipts (the receipt router groups what arrives together) before they are
   * acknowledged to the carrier, each matched to its message as it is stored (by the attempt's
   * or a part's carrier id, if the submit response is recorded by then). A bulk message's
   * receipt is stored taken (`applied_at`): the router applies it to the rows next, with no
   * second write here, and `takenUnapplied` finds it again should that not happen. Returns the
   * new rows, then those a re-sent receipt found.
   */
  async storeMany(items: { receipt: Omit<CarrierReceipt, 'receivedAt'>; rawText: string }[]): Promise<StoredReceipt[]> {
    if (items.length === 0) return [];
    const col = (f: (i: (typeof items)[number]) => string) => items.map(f);
    const keyring = keyringOf(this.db);
    // raw_text holds the start of the body (a DLR's `text:` field): sealed at rest, never read back.
    const args = [col((i) => i.receipt.carrierId), col((i) => i.receipt.carrierMessageId), col((i) => i.receipt.state), col((i) => i.receipt.errorCode), col((i) => keyring.seal(i.rawText))];
    const fresh = returningRows<ReceiptRow & { delivery: 'workflow' | 'batch' | null }>(
      await this.db.query(
        `WITH k AS (
           SELECT t.*, x.message_id, m.delivery
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(carrier_id, cmid, state, error_code, raw_text)
           LEFT JOIN LATERAL ${messageOfCarrierId('t.carrier_id', 't.cmid')} x ON true
           LEFT JOIN messages m ON m.id = x.message_id)
         INSERT INTO carrier_receipts (carrier_id, carrier_message_id, state, error_code, raw_text, message_id, applied_at)
         SELECT carrier_id, cmid, state, error_code, raw_text, message_id, CASE WHEN delivery = 'batch' THEN now() END FROM k
         ON CONFLICT (carrier_id, carrier_message_id, state) DO NOTHING
         RETURNING id, carrier_id, carrier_message_id, state, error_code, received_at, message_id, applied_at,
                   CASE WHEN message_id IS NULL THEN NULL WHEN applied_at IS NULL THEN 'workflow' ELSE 'batch' END AS delivery`,
        args,
      ),
    );
    const stored = fresh.map((r) => ({ ...toStored(r), delivery: r.delivery ?? undefined }));
    if (fresh.length === items.length) return stored;
    // A carrier re-sent receipts stored before (or sent one twice in the group): the rows stored first.
    const isNew = new Set(fresh.map((r) => `${receiptKey(r.carrier_id, r.carrier_message_id)}\u0000${r.state}`));
    const again = items.filter((i) => !isNew.has(`${receiptKey(i.receipt.carrierId, i.receipt.carrierMessageId)}\u0000${i.receipt.state}`));
    const rows: ReceiptRow[] = await this.db.query(
      `SELECT r.* FROM carrier_receipts r JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[])) k(carrier_id, cmid, state)
         ON r.carrier_id = k.carrier_id AND r.carrier_message_id = k.cmid AND r.state = k.state`,
      [again.map((i) => i.receipt.carrierId), again.map((i) => i.receipt.carrierMessageId), again.map((i) => i.receipt.state)],
    );
    return [...stored, ...rows.map(toStored)];
  }

  /**
   * The message of each carrier id, once its submit response has been recorded, with whether it
   * is a bulk one. The router asks this for receipts stored unmatched: a submit recorded while
   * storeMany ran is seen here, and one recorded after this sees the receipt (claimEarly).
   */
  async messagesFor(keys: { carrierId: string; carrierMessageId: string }[]): Promise<Map<string, { messageId: string; delivery: 'workflow' | 'batch' }>> {
    if (keys.length === 0) return new Map();
    const rows: { carrier_id: string; cmid: string; message_id: string; delivery: 'workflow' | 'batch' }[] = await this.db.query(
      `SELECT k.carrier_id, k.cmid, x.message_id, m.delivery
       FROM unnest($1::text[], $2::text[]) AS k(carrier_id, cmid)
       JOIN LATERAL ${messageOfCarrierId('k.carrier_id', 'k.cmid')} x ON true
       JOIN messages m ON m.id = x.message_id`,
      [keys.map((k) => k.carrierId), keys.map((k) => k.carrierMessageId)],
    );
    return new Map(rows.map((r) => [receiptKey(r.carrier_id, r.cmid), { messageId: r.message_id, delivery: r.delivery }]));
  }

  async markAppliedMany(items: { id: string; messageId: string }[]): Promise<void> {
    if (items.length === 0) return;
    await this.db.query(
      `UPDATE carrier_receipts r SET applied_at = now(), message_id = t.mid FROM unnest($1::bigint[], $2::uuid[]) AS t(id, mid) WHERE r.id = t.id`,
      [items.map((i) => i.id), items.map((i) => i.messageId)],
    );
  }

  async markApplied(id: string, messageId: string | null): Promise<void> {
    await this.db.query(`UPDATE carrier_receipts SET applied_at = now(), message_id = COALESCE($2, message_id) WHERE id = $1`, [id, messageId]);
  }

  /** Called by the submit activity right after recording the mapping: takes receipts that came first. */
  async claimEarly(carrierId: string, carrierMessageIds: string | string[], messageId: string): Promise<CarrierReceipt[]> {
    const rows = returningRows<ReceiptRow>(
      await this.db.query(
        `UPDATE carrier_receipts SET message_id = $3, applied_at = now()
         WHERE carrier_id = $1 AND carrier_message_id = ANY($2::text[]) AND applied_at IS NULL RETURNING *`,
        [carrierId, Array.isArray(carrierMessageIds) ? carrierMessageIds : [carrierMessageIds], messageId],
      ),
    );
    return rows.map((r) => toStored(r).receipt);
  }

  /** claimEarly for many messages at once (a bulk page): receipts that came first, each with its message. */
  async claimEarlyMany(carrierId: string, messageOf: Map<string, string>): Promise<{ messageId: string; receipt: CarrierReceipt }[]> {
    if (messageOf.size === 0) return [];
    const rows = returningRows<ReceiptRow>(
      await this.db.query(
        `UPDATE carrier_receipts r SET message_id = t.message_id, applied_at = now()
         FROM unnest($2::text[], $3::uuid[]) AS t(cmid, message_id)
         WHERE r.carrier_id = $1 AND r.carrier_message_id = t.cmid AND r.applied_at IS NULL RETURNING r.*`,
        [carrierId, [...messageOf.keys()], [...messageOf.values()]],
      ),
    );
    return rows.map((r) => ({ messageId: r.message_id!, receipt: toStored(r).receipt }));
  }

  /**
   * Final receipts of bulk messages, taken at store at least `olderThanMs` ago, whose attempt
   * (or part) still waits for them: the router stopped before applying them (a crash, a failed
   * apply). Applying them again is harmless, so the sweeper takes these too.
   */
  async takenUnapplied(olderThanMs: number, limit = 500): Promise<StoredReceipt[]> {
    const rows: (ReceiptRow & { matched_message_id: string })[] = await this.db.query(
      `SELECT * FROM (
         SELECT r.*, a.message_id AS matched_message_id FROM message_attempts a
         JOIN carrier_receipts r ON r.carrier_id = a.carrier_id AND r.carrier_message_id = a.carrier_message_id
         WHERE a.status = 'submitted' AND a.batch_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM message_parts p WHERE p.message_id = a.message_id AND p.attempt = a.attempt)
         UNION ALL
         SELECT r.*, a.message_id FROM message_attempts a
         JOIN message_parts p ON p.message_id = a.message_id AND p.attempt = a.attempt AND p.receipt_state IS NULL
         JOIN carrier_receipts r ON r.carrier_id = p.carrier_id AND r.carrier_message_id = p.carrier_message_id
         WHERE a.status = 'submitted' AND a.batch_id IS NOT NULL) t
       WHERE t.state NOT IN ('ENROUTE', 'ACCEPTD') AND t.applied_at IS NOT NULL AND t.received_at < now() - make_interval(secs => $1)
         AND EXISTS (SELECT 1 FROM messages m WHERE m.id = t.matched_message_id AND m.status NOT IN ('delivered', 'failed', 'cancelled', 'rejected'))
       ORDER BY t.received_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((r) => ({ ...toStored(r), messageId: r.matched_message_id, delivery: 'batch' }));
  }

  /** Unapplied receipts whose message is now known (safety net for a crash between store and signal). */
  async unappliedMatched(limit = 500): Promise<StoredReceipt[]> {
    const rows: (ReceiptRow & { matched_message_id: string })[] = await this.db.query(
      `SELECT r.*, x.message_id AS matched_message_id FROM carrier_receipts r
       JOIN LATERAL ${messageOfCarrierId('r.carrier_id', 'r.carrier_message_id')} x ON true
       WHERE r.applied_at IS NULL ORDER BY r.received_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ ...toStored(r), messageId: r.matched_message_id }));
  }
}
