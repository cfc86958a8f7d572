// The webhook outbox: status callbacks (kind 'status') and inbound messages (kind 'inbound',
// queued by ConversationRepository.forwardInbound), each with an event id for de-duplication.
// Status callbacks, the same for both shapes of a message: a status change of a
// message with a statusCallbackUrl queues its callback inside the transaction that made the
// change, so a change never exists without its callback (and a rolled-back one never sends
// one). The worker POSTs them (apps/worker/src/callbacks), retried for up to a day; the payload
// is built here from the row as it stands after the change.
import type { MessageStatus, StatusCallbackPayload } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from './returning';

/** Channel on which the callback senders learn that callbacks are due. */
export const STATUS_CALLBACKS_CHANNEL = 'status_callbacks';

export async function queueStatusCallbacks(tx: EntityManager, messageIds: string[], status: MessageStatus): Promise<void> {
  if (messageIds.length === 0) return;
  const queued = returningRows<{ id: string }>(
    await tx.query(
      `WITH m AS (
         UPDATE messages SET callback_sequence = callback_sequence + 1
         WHERE id = ANY($1::uuid[]) AND status_callback_url IS NOT NULL
         RETURNING id, account_id, status_callback_url, to_number, carrier_id, attempts, failure_reason, callback_sequence)
       INSERT INTO status_callbacks (message_id, account_id, url, status, payload)
       SELECT id, account_id, status_callback_url, $2,
              jsonb_build_object('id', id, 'status', $2::text, 'to', to_number, 'carrierId', carrier_id, 'attempts', attempts,
                                 'reason', failure_reason, 'sequence', callback_sequence, 'occurredAt', now())
       FROM m ORDER BY id RETURNING id`,
      [messageIds, status],
    ),
  );
  if (queued.length > 0) await tx.query(`SELECT pg_notify($1, '')`, [STATUS_CALLBACKS_CHANNEL]);
}

export interface DueCallback {
  id: string;
  kind: 'status' | 'inbound';
  /** Sent as X-Event-Id and `eventId`: the same on every retry of this webhook. */
  eventId: string;
  /** The outbound message of a status callback; null for an inbound webhook. */
  messageId: string | null;
  accountId: string;
  url: string;
  /** The message status, or 'inbound'. */
  status: MessageStatus | 'inbound';
  payload: StatusCallbackPayload | Record<string, unknown>;
  tries: number;
  createdAt: Date;
}

export class StatusCallbackRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Leases up to `limit` due callbacks for `leaseMs`, oldest first, none of `busyAccounts` (their
   * endpoints have all the sends they may have at once: one slow customer waits alone).
   */
  async lease(limit: number, leaseMs: number, busyAccounts: string[]): Promise<DueCallback[]> {
    const rows = returningRows<{
      id: string;
      kind: 'status' | 'inbound';
      event_id: string;
      message_id: string | null;
      account_id: string;
      url: string;
      status: MessageStatus | 'inbound';
      payload: StatusCallbackPayload;
      tries: number;
      created_at: Date;
    }>(
      await this.db.query(
        `WITH due AS MATERIALIZED (
           SELECT id FROM status_callbacks WHERE done_at IS NULL AND next_at <= now() AND account_id <> ALL($3::uuid[])
           ORDER BY next_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE status_callbacks c SET next_at = now() + make_interval(secs => $2), tries = c.tries + 1
         FROM due WHERE c.id = due.id
         RETURNING c.id, c.kind, c.event_id, c.message_id, c.account_id, c.url, c.status, c.payload, c.tries, c.created_at`,
        [limit, leaseMs / 1000, busyAccounts],
      ),
    );
    return rows
      .map((r) => ({ id: String(r.id), kind: r.kind, eventId: r.event_id, messageId: r.message_id, accountId: r.account_id, url: r.url, status: r.status, payload: r.payload, tries: r.tries, createdAt: r.created_at }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** The customer answered 2xx: done, and on the message's timeline. */
  async delivered(callback: DueCallback, httpStatus: number): Promise<void> {
    await this.finish(callback, 'callback_delivered', { status: callback.status, httpStatus }, null);
  }

  /** Refused for good (4xx other than 408/429) or retried for a day without success. */
  async failed(callback: DueCallback, reason: string): Promise<void> {
    await this.finish(callback, 'callback_failed', { status: callback.status, reason }, reason);
  }

  async retryLater(callback: DueCallback, delayMs: number, reason: string): Promise<void> {
    await this.db.query(`UPDATE status_callbacks SET next_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`, [callback.id, delayMs / 1000, reason]);
  }

  private async finish(callback: DueCallback, type: 'callback_delivered' | 'callback_failed', detail: Record<string, unknown>, error: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const done = returningRows(await tx.query(`UPDATE status_callbacks SET done_at = now(), last_error = $2 WHERE id = $1 AND done_at IS NULL RETURNING id`, [callback.id, error]));
      if (done.length > 0 && callback.messageId) await tx.query(`INSERT INTO message_events (message_id, type, detail) VALUES ($1, $2, $3)`, [callback.messageId, type, detail]);
    });
  }
}
