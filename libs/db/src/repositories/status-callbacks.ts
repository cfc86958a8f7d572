// The webhook outbox: status callbacks (kind 'status') and inbound messages (kind 'inbound',
// queued by ConversationRepository.forwardInbound), each with an event id for de-duplication,
// sent by one sender (apps/worker/src/callbacks). Leasing keeps each message's (or
// conversation's) webhooks in order, gives each account a bounded share, and holds the webhooks
// of an unhealthy endpoint (one probe at a time); each try lands in `webhook_attempts` and in
// the endpoint's health (`webhook_endpoints`).
// Status callbacks, the same for both shapes of a message: a status change of a
// message with a statusCallbackUrl queues its callback inside the transaction that made the
// change, so a change never exists without its callback (and a rolled-back one never sends
// one). The worker POSTs them (apps/worker/src/callbacks), retried for up to a day; the payload
// is built here from the row as it stands after the change.
import type { MessageStatus, StatusCallbackPayload } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { returningRows } from './returning';

/** Fields of an outbox payload that hold a body, sealed at rest. */
export const SEALED_PAYLOAD_FIELDS = ['body'] as const;

/** Channel on which the callback senders learn that callbacks are due. */
export const STATUS_CALLBACKS_CHANNEL = 'status_callbacks';

/**
 * The columns a status change's `UPDATE messages ... RETURNING` gives the outbox fragments
 * (statusCallbackCtes, smppReceiptCtes), as the row stands after the change.
 */
export const CHANGED_MESSAGE_COLUMNS =
  'id, account_id, status, status_callback_url, to_number, from_address, carrier_id, attempts, failure_reason, carrier_error_code, segments, created_at, smpp_system_id, registered_delivery, callback_sequence';

/** In the SET of a status change: numbers the callback it queues (messages with a callback URL only). */
export const NEXT_CALLBACK_SEQUENCE = 'callback_sequence = callback_sequence + (status_callback_url IS NOT NULL)::int';

/**
 * CTEs queueing the status callbacks of `changed` (a CTE returning CHANGED_MESSAGE_COLUMNS, its
 * callback_sequence already counted) with `status` (an SQL text expression), and waking the
 * senders: a status change and its callback in one statement. The statement must read
 * STATUS_CALLBACKS_NOTIFIED, or the NOTIFY is not sent.
 */
export function statusCallbackCtes(changed: string, status: string): string {
  return `status_callbacks_queued AS (
       INSERT INTO status_callbacks (message_id, account_id, url, status, payload)
       SELECT id, account_id, status_callback_url, ${status},
              jsonb_build_object('id', id, 'status', ${status}, 'to', to_number, 'carrierId', carrier_id, 'attempts', attempts,
                                 'reason', failure_reason, 'sequence', callback_sequence, 'occurredAt', now())
       FROM ${changed} WHERE status_callback_url IS NOT NULL ORDER BY id RETURNING 1),
     status_callbacks_notified AS (SELECT pg_notify('${STATUS_CALLBACKS_CHANNEL}', '') FROM (SELECT 1 FROM status_callbacks_queued LIMIT 1) q)`;
}

/** An expression to SELECT in a statement using statusCallbackCtes (it sends the NOTIFY). */
export const STATUS_CALLBACKS_NOTIFIED = '(SELECT count(*) FROM status_callbacks_notified)';

export async function queueStatusCallbacks(tx: EntityManager, messageIds: string[], status: MessageStatus): Promise<void> {
  if (messageIds.length === 0) return;
  await tx.query(
    `WITH m AS (
       UPDATE messages SET callback_sequence = callback_sequence + 1
       WHERE id = ANY($1::uuid[]) AND status_callback_url IS NOT NULL
       RETURNING ${CHANGED_MESSAGE_COLUMNS}),
     ${statusCallbackCtes('m', '$2::text')}
     SELECT ${STATUS_CALLBACKS_NOTIFIED}`,
    [messageIds, status],
  );
}

export interface DueCallback {
  id: string;
  kind: 'status' | 'inbound';
  /** Sent as X-Event-Id and `eventId`: the same on every retry (and replay) of this webhook. */
  eventId: string;
  /** The outbound message of a status callback; null for an inbound webhook. */
  messageId: string | null;
  accountId: string;
  url: string;
  /** The message status, or 'inbound'. */
  status: MessageStatus | 'inbound';
  payload: StatusCallbackPayload | Record<string, unknown>;
  /** Tries made before this one. */
  tries: number;
  /** Start of its retry window: when it was queued, or replayed. */
  queuedAt: Date;
}

/** What one try of a webhook came to, as the sender saw it. */
export type TryResult =
  | { kind: 'delivered'; httpStatus: number }
  /** Never to be retried: a 4xx other than 408/429, a redirect, a URL the egress policy refuses. */
  | { kind: 'final'; httpStatus: number | null; error: string }
  /** Worth another try (5xx, 408, 429, unreachable), after `backoffMs` while the endpoint is healthy. */
  | { kind: 'retry'; httpStatus: number | null; error: string; backoffMs: number };

export interface EndpointHealthPolicy {
  /** An endpoint all of whose tries failed for this long is unhealthy: its webhooks are held. */
  unhealthyAfterMs: number;
  /** How often an unhealthy endpoint is probed with one held webhook. */
  probeIntervalMs: number;
  /** A webhook of a healthy endpoint still failing this long after it was queued is given up. */
  giveUpAfterMs: number;
}

export type TryOutcome = 'delivered' | 'retrying' | 'held' | 'failed';

const secs = (ms: number) => ms / 1000;

export class StatusCallbackRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Leases up to `limit` due webhooks for `leaseMs`, oldest first. A webhook is due only when no
   * earlier one of its message (status) or conversation (inbound) is still undone, so a later
   * event never overtakes an earlier one being retried. Each account gets at most
   * `perAccount` minus what it has `inFlight` (one failing customer waits alone). An unhealthy
   * endpoint gets one webhook at a time, when its probe is due.
   */
  async lease(limit: number, leaseMs: number, perAccount: number, inFlight: Map<string, number>): Promise<DueCallback[]> {
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
      queued_at: Date;
    }>(
      await this.db.query(
        `WITH busy AS (SELECT * FROM unnest($3::uuid[], $4::int[]) AS b(account_id, n)),
         heads AS MATERIALIZED (
           SELECT c.id, c.account_id, c.next_at, coalesce(e.healthy, true) AS healthy,
                  row_number() OVER (PARTITION BY c.account_id, c.url ORDER BY c.id) AS endpoint_rank
           FROM status_callbacks c
           LEFT JOIN webhook_endpoints e ON e.account_id = c.account_id AND e.url = c.url
           WHERE c.done_at IS NULL AND c.next_at <= now()
             AND (e.healthy IS NOT FALSE OR e.next_probe_at IS NULL OR e.next_probe_at <= now())
             AND NOT EXISTS (SELECT 1 FROM status_callbacks p WHERE p.order_key = c.order_key AND p.done_at IS NULL AND p.id < c.id)),
         fair AS MATERIALIZED (
           SELECT h.id, row_number() OVER (PARTITION BY h.account_id ORDER BY h.next_at, h.id) AS account_rank, coalesce(b.n, 0) AS busy
           FROM heads h LEFT JOIN busy b ON b.account_id = h.account_id
           WHERE h.healthy OR h.endpoint_rank = 1),
         due AS MATERIALIZED (
           SELECT c.id FROM status_callbacks c JOIN fair f ON f.id = c.id
           WHERE f.account_rank <= $5 - f.busy AND c.done_at IS NULL
           ORDER BY c.next_at, c.id LIMIT $1 FOR UPDATE OF c SKIP LOCKED),
         probed AS (
           UPDATE webhook_endpoints e SET next_probe_at = now() + make_interval(secs => $2)
           FROM status_callbacks c JOIN due ON due.id = c.id
           WHERE e.account_id = c.account_id AND e.url = c.url AND NOT e.healthy)
         UPDATE status_callbacks c SET next_at = now() + make_interval(secs => $2)
         FROM due WHERE c.id = due.id
         RETURNING c.id, c.kind, c.event_id, c.message_id, c.account_id, c.url, c.status, c.payload, c.tries, c.queued_at`,
        [limit, secs(leaseMs), [...inFlight.keys()], [...inFlight.values()], perAccount],
      ),
    );
    const keyring = keyringOf(this.db);
    const due = await Promise.all(
      rows.map(async (r) => ({
        id: String(r.id),
        kind: r.kind,
        eventId: r.event_id,
        messageId: r.message_id,
        accountId: r.account_id,
        url: r.url,
        status: r.status,
        // An inbound webhook carries the MO body sealed at rest (ConversationRepository.forwardInbound).
        payload: r.kind === 'inbound' ? await keyring.openFields(r.payload, SEALED_PAYLOAD_FIELDS) : r.payload,
        tries: r.tries,
        queuedAt: r.queued_at,
      })),
    );
    return due.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Records one try in one transaction: the delivery log, the endpoint's health, and what becomes
   * of the webhook (done; retried after its backoff; held while its endpoint is unhealthy, never
   * given up meanwhile; failed for good, also on the message's timeline). Answers the outcome.
   */
  async recordTry(callback: DueCallback, result: TryResult, latencyMs: number, policy: EndpointHealthPolicy): Promise<TryOutcome> {
    return this.db.transaction(async (tx) => {
      const ok = result.kind === 'delivered';
      await tx.query(`INSERT INTO webhook_endpoints (account_id, url) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [callback.accountId, callback.url]);
      // Healthy unless every try failed for unhealthyAfter: failing_since is the first failure after the last success.
      const endpoint = returningRows<{ healthy: boolean }>(
        await tx.query(
          `WITH e AS (SELECT *, $3 OR coalesce(failing_since, now()) > now() - make_interval(secs => $4) AS healthy_now
                      FROM webhook_endpoints WHERE account_id = $1 AND url = $2 FOR UPDATE)
           UPDATE webhook_endpoints w SET
             last_success_at = CASE WHEN $3 THEN now() ELSE e.last_success_at END,
             last_failure_at = CASE WHEN NOT $3 THEN now() ELSE e.last_failure_at END,
             failing_since = CASE WHEN $3 THEN NULL ELSE coalesce(e.failing_since, now()) END,
             healthy = e.healthy_now,
             unhealthy_since = CASE WHEN e.healthy_now THEN NULL ELSE coalesce(e.unhealthy_since, now()) END,
             next_probe_at = CASE WHEN e.healthy_now THEN NULL ELSE now() + make_interval(secs => $5) END
           FROM e WHERE w.account_id = e.account_id AND w.url = e.url
           RETURNING w.healthy`,
          [callback.accountId, callback.url, ok, secs(policy.unhealthyAfterMs), secs(policy.probeIntervalMs)],
        ),
      );
      const healthy = endpoint[0]?.healthy ?? true;
      const expired = Date.now() - callback.queuedAt.getTime() > policy.giveUpAfterMs;
      const outcome: TryOutcome =
        result.kind === 'delivered' ? 'delivered' : result.kind === 'final' ? 'failed' : !healthy ? 'held' : expired ? 'failed' : 'retrying';
      const error = result.kind === 'delivered' ? null : outcome === 'failed' && result.kind === 'retry' ? `${result.error}; retried for ${Math.round(policy.giveUpAfterMs / 3600_000)} h` : result.error;
      // Held: due at once, but leased only as its endpoint's probe.
      const nextInSeconds = outcome === 'retrying' && result.kind === 'retry' ? secs(result.backoffMs) : outcome === 'held' ? 0 : null;
      const updated = returningRows<{ next_at: Date | null }>(
        await tx.query(
          `UPDATE status_callbacks SET tries = tries + 1, last_error = $2,
             done_at = CASE WHEN $3 THEN now() END, delivered_at = CASE WHEN $4 THEN now() END,
             next_at = CASE WHEN $5::float8 IS NULL THEN next_at ELSE now() + make_interval(secs => $5::float8) END
           WHERE id = $1 AND done_at IS NULL
           RETURNING CASE WHEN done_at IS NULL THEN next_at END AS next_at`,
          [callback.id, error, outcome === 'delivered' || outcome === 'failed', outcome === 'delivered', nextInSeconds],
        ),
      );
      if (updated.length === 0) return outcome; // finished meanwhile (a lease that ran out, sent twice)
      await tx.query(`INSERT INTO webhook_attempts (callback_id, http_status, error, latency_ms, outcome, next_retry_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        callback.id,
        result.httpStatus,
        error,
        Math.max(0, Math.round(latencyMs)),
        outcome,
        outcome === 'retrying' ? updated[0].next_at : null,
      ]);
      if (callback.messageId && (outcome === 'delivered' || outcome === 'failed')) {
        const detail = outcome === 'delivered' ? { status: callback.status, httpStatus: result.httpStatus, eventId: callback.eventId } : { status: callback.status, reason: error, eventId: callback.eventId };
        await tx.query(`INSERT INTO message_events (message_id, type, detail) VALUES ($1, $2, $3)`, [callback.messageId, outcome === 'delivered' ? 'callback_delivered' : 'callback_failed', detail]);
      }
      return outcome;
    });
  }
}
