// What an account can see of its webhooks and do with them (GET /v1/webhooks/deliveries, POST
// /v1/webhooks/replay, the endpoints' health in GET /v1/account/webhooks): the webhook outbox
// (`status_callbacks`) with each event's tries (`webhook_attempts`), newest first, keyset
// paginated by the outbox id; a replay re-queues finished events of a time range under their
// original event ids; health per endpoint from `webhook_endpoints`.
import { DataSource } from 'typeorm';
import { returningRows } from './returning';
import { STATUS_CALLBACKS_CHANNEL } from './status-callbacks';

export const WEBHOOK_EVENT_TYPES = { status: 'message.status', inbound: 'message.inbound' } as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[keyof typeof WEBHOOK_EVENT_TYPES];
const KIND_OF: Record<WebhookEventType, 'status' | 'inbound'> = { 'message.status': 'status', 'message.inbound': 'inbound' };

/** delivered: answered 2xx; failed: given up; held: waiting for its unhealthy endpoint; pending: queued or between retries. */
export type DeliveryStatus = 'pending' | 'held' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'held', 'delivered', 'failed'];

export interface DeliveryTry {
  at: Date;
  httpStatus: number | null;
  error: string | null;
  latencyMs: number;
  outcome: 'delivered' | 'retrying' | 'held' | 'failed';
  nextRetryAt: Date | null;
}

export interface Delivery {
  eventId: string;
  type: WebhookEventType;
  url: string;
  messageId: string | null;
  inboundId: string | null;
  sequence: number | null;
  status: DeliveryStatus;
  tries: number;
  createdAt: Date;
  deliveredAt: Date | null;
  nextRetryAt: Date | null;
  lastError: string | null;
  /** The most recent tries, oldest first. */
  attempts: DeliveryTry[];
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  type?: WebhookEventType;
  since?: Date;
  until?: Date;
  eventId?: string;
  url?: string;
}

export interface EndpointHealth {
  url: string;
  health: 'healthy' | 'unhealthy';
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  failingSince: Date | null;
  unhealthySince: Date | null;
  /** Webhooks waiting for this endpoint (pending or held). */
  waiting: number;
}

/** Tries shown per event in the log. */
export const TRIES_SHOWN = 20;

const STATUS_SQL = `CASE WHEN c.delivered_at IS NOT NULL THEN 'delivered' WHEN c.done_at IS NOT NULL THEN 'failed'
  WHEN e.healthy IS FALSE THEN 'held' ELSE 'pending' END`;

export const encodeDeliveryCursor = (id: string): string => Buffer.from(`w:${id}`).toString('base64url');
export function decodeDeliveryCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^w:\d{1,18}$/.test(text) ? text.slice(2) : null;
}

export class WebhookLogRepository {
  constructor(private readonly db: DataSource) {}

  async deliveries(accountId: string, filter: DeliveryFilter, limit: number, afterId: string | null): Promise<{ items: Delivery[]; nextCursor: string | null }> {
    const rows: {
      id: string;
      event_id: string;
      kind: 'status' | 'inbound';
      url: string;
      message_id: string | null;
      inbound_id: string | null;
      sequence: number | null;
      status: DeliveryStatus;
      tries: number;
      created_at: Date;
      delivered_at: Date | null;
      next_at: Date;
      last_error: string | null;
    }[] = await this.db.query(
      `SELECT * FROM (
         SELECT c.id, c.event_id, c.kind, c.url, c.message_id, c.inbound_id, (c.payload->>'sequence')::int AS sequence, ${STATUS_SQL} AS status,
                c.tries, c.created_at, c.delivered_at, c.next_at, c.last_error
         FROM status_callbacks c LEFT JOIN webhook_endpoints e ON e.account_id = c.account_id AND e.url = c.url
         WHERE c.account_id = $1 AND ($2::bigint IS NULL OR c.id < $2) AND ($3::text IS NULL OR c.kind = $3)
           AND ($4::timestamptz IS NULL OR c.created_at >= $4) AND ($5::timestamptz IS NULL OR c.created_at < $5)
           AND ($6::uuid IS NULL OR c.event_id = $6) AND ($7::text IS NULL OR c.url = $7)) d
       WHERE $8::text IS NULL OR d.status = $8
       ORDER BY id DESC LIMIT $9`,
      [accountId, afterId, filter.type ? KIND_OF[filter.type] : null, filter.since ?? null, filter.until ?? null, filter.eventId ?? null, filter.url ?? null, filter.status ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const tries: { callback_id: string; attempted_at: Date; http_status: number | null; error: string | null; latency_ms: number; outcome: DeliveryTry['outcome']; next_retry_at: Date | null }[] =
      page.length === 0
        ? []
        : await this.db.query(
            `SELECT t.* FROM unnest($1::bigint[]) AS p(id)
             CROSS JOIN LATERAL (SELECT * FROM webhook_attempts a WHERE a.callback_id = p.id ORDER BY a.id DESC LIMIT $2) t
             ORDER BY t.id`,
            [page.map((r) => r.id), TRIES_SHOWN],
          );
    const byCallback = new Map<string, DeliveryTry[]>();
    for (const t of tries) {
      const list = byCallback.get(String(t.callback_id)) ?? [];
      list.push({ at: t.attempted_at, httpStatus: t.http_status, error: t.error, latencyMs: t.latency_ms, outcome: t.outcome, nextRetryAt: t.next_retry_at });
      byCallback.set(String(t.callback_id), list);
    }
    return {
      items: page.map((r) => ({
        eventId: r.event_id,
        type: WEBHOOK_EVENT_TYPES[r.kind],
        url: r.url,
        messageId: r.message_id,
        inboundId: r.inbound_id,
        sequence: r.sequence,
        status: r.status,
        tries: r.tries,
        createdAt: r.created_at,
        deliveredAt: r.delivered_at,
        nextRetryAt: r.status === 'pending' ? r.next_at : null,
        lastError: r.last_error,
        attempts: byCallback.get(String(r.id)) ?? [],
      })),
      nextCursor: rows.length > limit ? encodeDeliveryCursor(String(page[page.length - 1].id)) : null,
    };
  }

  /**
   * Queues again, under their original event ids, this account's finished (delivered or failed)
   * webhooks created in [since, until), of the given types; each gets a new retry window. Inbound
   * webhooks go to the account's current inbound URL when it has one. Webhooks still waiting are
   * left as they are (they go out anyway). Answers how many were queued.
   */
  async replay(accountId: string, since: Date, until: Date, types: WebhookEventType[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = returningRows<{ id: string }>(
        await tx.query(
          `UPDATE status_callbacks c SET done_at = NULL, delivered_at = NULL, last_error = NULL, next_at = now(), queued_at = now(),
                  url = CASE WHEN c.kind = 'inbound' THEN coalesce(a.inbound_webhook_url, c.url) ELSE c.url END
           FROM accounts a
           WHERE a.id = c.account_id AND c.account_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND c.kind = ANY($4::text[]) AND c.done_at IS NOT NULL
           RETURNING c.id`,
          [accountId, since, until, types.map((t) => KIND_OF[t])],
        ),
      );
      if (rows.length > 0) await tx.query(`SELECT pg_notify($1, '')`, [STATUS_CALLBACKS_CHANNEL]);
      return rows.length;
    });
  }

  /** The account's endpoints that were ever called, unhealthy first, then the most recently used; at most `limit`. */
  async endpoints(accountId: string, limit: number): Promise<EndpointHealth[]> {
    const rows: {
      url: string;
      healthy: boolean;
      last_success_at: Date | null;
      last_failure_at: Date | null;
      failing_since: Date | null;
      unhealthy_since: Date | null;
      waiting: string;
    }[] = await this.db.query(
      `SELECT e.*, (SELECT count(*) FROM status_callbacks c WHERE c.account_id = e.account_id AND c.url = e.url AND c.done_at IS NULL) AS waiting
       FROM webhook_endpoints e WHERE e.account_id = $1
       ORDER BY e.healthy, greatest(e.last_success_at, e.last_failure_at) DESC NULLS LAST, e.url LIMIT $2`,
      [accountId, limit],
    );
    return rows.map((r) => ({
      url: r.url,
      health: r.healthy ? 'healthy' : 'unhealthy',
      lastSuccessAt: r.last_success_at,
      lastFailureAt: r.last_failure_at,
      failingSince: r.failing_since,
      unhealthySince: r.unhealthy_since,
      waiting: Number(r.waiting),
    }));
  }
}
