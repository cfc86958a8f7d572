// Conversations (one per our number and subscriber) and what their workflow's activities do in
// PostgreSQL: lease the signal intents for the conversation dispatcher, record an MO, record the
// keyword-rules outcome, and forward an MO to its account (a webhook row in the webhook outbox
// `status_callbacks`, kind 'inbound', when the account set an inbound webhook URL; a deliver_sm
// row in `smpp_deliveries` when it has SMPP logins), once. Also the account-scoped, keyset
// paginated reads behind GET /v1/conversations and GET /v1/messages.
import { DataSource } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { SMPP_DELIVERIES_CHANNEL } from './smpp-receipts';
import { STATUS_CALLBACKS_CHANNEL } from './status-callbacks';
import { returningRows } from './returning';

export interface ConversationSignalIntent {
  id: string;
  conversationId: string;
  accountId: string | null;
  kind: 'inbound' | 'reply';
  refId: string;
  tries: number;
}

export interface ConversationRow {
  id: string;
  ourNumber: string;
  subscriber: string;
  inboundCount: number;
  createdAt: Date;
  lastMessageAt: Date;
}

export interface ListedMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  body: string;
  /** Outbound: its status; inbound: 'received'. */
  status: string;
  conversationId: string | null;
  createdAt: Date;
}

export interface MessageFilter {
  direction?: 'inbound' | 'outbound';
  to?: string;
  from?: string;
  status?: string;
  since?: Date;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Keyset cursors: the last row's timestamp as PostgreSQL printed it (microseconds kept) and its id. */
const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');
export function decodeCursor(cursor: string): { ts: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return null;
    if (!/^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:\d\d)?|Z)?$/.test(value[0]) || !/^[0-9a-f-]{36}$/i.test(value[1])) return null;
    return { ts: value[0], id: value[1] };
  } catch {
    return null;
  }
}

const INBOUND_STATUS = 'received';

export class ConversationRepository {
  constructor(private readonly db: DataSource) {}

  // ---- signal intents (accept at commit) ---------------------------------------------------

  async leaseSignals(limit: number, leaseMs: number): Promise<ConversationSignalIntent[]> {
    const rows = returningRows<{ id: string; conversation_id: string; account_id: string | null; kind: 'inbound' | 'reply'; ref_id: string; tries: number }>(
      await this.db.query(
        `WITH due AS MATERIALIZED (SELECT id FROM conversation_signals WHERE not_before <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE conversation_signals s SET not_before = now() + make_interval(secs => $2), tries = s.tries + 1
         FROM due, conversations c WHERE s.id = due.id AND c.id = s.conversation_id
         RETURNING s.id, s.conversation_id, c.account_id, s.kind, s.ref_id, s.tries`,
        [limit, leaseMs / 1000],
      ),
    );
    return rows
      .map((r) => ({ id: String(r.id), conversationId: r.conversation_id, accountId: r.account_id, kind: r.kind, refId: r.ref_id, tries: r.tries }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async signalsSent(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.query(`DELETE FROM conversation_signals WHERE id = ANY($1::bigint[])`, [ids]);
  }

  // ---- the conversation workflow's activities ----------------------------------------------

  /**
   * Marks the MO recorded by its conversation. `first` is false once it has been forwarded (a
   * repeated signal): a recording whose answer was lost still forwards, forwarding is once anyway.
   */
  async recordInbound(inboundId: string): Promise<{ accountId: string | null; first: boolean } | null> {
    const rows = returningRows<{ account_id: string | null; first: boolean }>(
      await this.db.query(`UPDATE inbound_messages SET recorded_at = coalesce(recorded_at, now()) WHERE id = $1 RETURNING account_id, forwarded_at IS NULL AS first`, [inboundId]),
    );
    return rows[0] ? { accountId: rows[0].account_id, first: rows[0].first } : null;
  }

  async recordKeywordResult(inboundId: string, result: string): Promise<void> {
    await this.db.query(`UPDATE inbound_messages SET keyword_result = $2 WHERE id = $1`, [inboundId, result]);
  }

  /**
   * Queues the MO for its account, once (a retried activity finds it forwarded and answers the
   * same): the inbound webhook when the account set a URL, deliver_sm when it has SMPP logins.
   */
  async forwardInbound(inboundId: string): Promise<('webhook' | 'smpp')[]> {
    return this.db.transaction(async (tx) => {
      const rows: {
        id: string;
        account_id: string | null;
        conversation_id: string | null;
        carrier_id: string;
        from_number: string;
        to_number: string;
        body: string;
        parts: number;
        sequence: number;
        received_at: string;
        forwarded_at: Date | null;
        forwarded_to: string[];
        url: string | null;
        has_smpp: boolean;
      }[] = await tx.query(
        `SELECT i.id, i.account_id, i.conversation_id, i.carrier_id, i.from_number, i.to_number, i.body, i.parts, i.sequence,
                to_char(i.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at, i.forwarded_at, i.forwarded_to,
                a.inbound_webhook_url AS url, EXISTS (SELECT 1 FROM smpp_credentials c WHERE c.account_id = i.account_id) AS has_smpp
         FROM inbound_messages i LEFT JOIN accounts a ON a.id = i.account_id WHERE i.id = $1 FOR UPDATE OF i`,
        [inboundId],
      );
      const mo = rows[0];
      if (!mo || !mo.account_id) return [];
      if (mo.forwarded_at) return mo.forwarded_to as ('webhook' | 'smpp')[];
      const to: ('webhook' | 'smpp')[] = [];
      // mo.body stays sealed into the outboxes: their senders open it (WebhookOutbox, SmppDeliveryRepository).
      if (mo.url) {
        const payload = {
          type: 'message.inbound',
          id: mo.id,
          conversationId: mo.conversation_id,
          from: mo.from_number,
          to: mo.to_number,
          body: mo.body,
          parts: mo.parts,
          carrierId: mo.carrier_id,
          sequence: mo.sequence,
          receivedAt: mo.received_at,
        };
        await tx.query(
          `INSERT INTO status_callbacks (message_id, account_id, url, status, payload, kind, inbound_id) VALUES (NULL, $1, $2, 'inbound', $3, 'inbound', $4) ON CONFLICT DO NOTHING`,
          [mo.account_id, mo.url, JSON.stringify(payload), mo.id],
        );
        await tx.query(`SELECT pg_notify($1, '')`, [STATUS_CALLBACKS_CHANNEL]);
        to.push('webhook');
      }
      if (mo.has_smpp) {
        const payload = { inboundId: mo.id, from: mo.from_number, to: mo.to_number, body: mo.body, receivedAt: mo.received_at };
        await tx.query(`INSERT INTO smpp_deliveries (account_id, system_id, kind, payload) VALUES ($1, NULL, 'inbound', $2)`, [mo.account_id, JSON.stringify(payload)]);
        await tx.query(`SELECT pg_notify($1, $2)`, [SMPP_DELIVERIES_CHANNEL, mo.account_id]);
        to.push('smpp');
      }
      await tx.query(`UPDATE inbound_messages SET forwarded_at = now(), forwarded_to = $2 WHERE id = $1`, [mo.id, to]);
      return to;
    });
  }

  // ---- reads for the API (account-scoped) --------------------------------------------------

  async listConversations(accountId: string, limit: number, cursor: { ts: string; id: string } | null): Promise<Page<ConversationRow>> {
    const rows: { id: string; our_number: string; subscriber: string; inbound_count: number; created_at: Date; last_message_at: Date; ts: string }[] = await this.db.query(
      `SELECT id, our_number, subscriber, inbound_count, created_at, last_message_at, last_message_at::text AS ts FROM conversations
       WHERE account_id = $1 AND ($3::timestamptz IS NULL OR (last_message_at, id) < ($3::timestamptz, $4::uuid))
       ORDER BY last_message_at DESC, id DESC LIMIT $2`,
      [accountId, limit + 1, cursor?.ts ?? null, cursor?.id ?? null],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ id: r.id, ourNumber: r.our_number, subscriber: r.subscriber, inboundCount: r.inbound_count, createdAt: r.created_at, lastMessageAt: r.last_message_at })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.ts, last.id) : null,
    };
  }

  async getConversation(accountId: string, id: string, messageLimit: number): Promise<{ conversation: ConversationRow; messages: ListedMessage[] } | null> {
    const rows: { id: string; our_number: string; subscriber: string; inbound_count: number; created_at: Date; last_message_at: Date }[] = await this.db.query(
      `SELECT id, our_number, subscriber, inbound_count, created_at, last_message_at FROM conversations WHERE id = $1 AND account_id = $2`,
      [id, accountId],
    );
    const c = rows[0];
    if (!c) return null;
    const messages: MessageRowSql[] = await this.db.query(
      `SELECT * FROM (
         SELECT id, 'outbound' AS direction, from_address AS from_number, to_number, body, status, conversation_id, created_at, created_at::text AS ts
           FROM messages WHERE conversation_id = $1 AND account_id = $2
         UNION ALL
         SELECT id, 'inbound', from_number, to_number, body, '${INBOUND_STATUS}', conversation_id, received_at, received_at::text
           FROM inbound_messages WHERE conversation_id = $1 AND account_id = $2) m
       ORDER BY created_at, id LIMIT $3`,
      [id, accountId, messageLimit],
    );
    return {
      conversation: { id: c.id, ourNumber: c.our_number, subscriber: c.subscriber, inboundCount: c.inbound_count, createdAt: c.created_at, lastMessageAt: c.last_message_at },
      messages: await Promise.all(messages.map((m) => this.listed(m))),
    };
  }

  /** Both directions, newest first; a filter that one direction cannot match leaves that side out. */
  async listMessages(accountId: string, filter: MessageFilter, limit: number, cursor: { ts: string; id: string } | null): Promise<Page<ListedMessage>> {
    const params: unknown[] = [accountId, filter.to ?? null, filter.from ?? null, filter.status ?? null, filter.since ?? null, cursor?.ts ?? null, cursor?.id ?? null, limit + 1];
    const keyset = (col: string) => `($6::timestamptz IS NULL OR (${col}, id) < ($6::timestamptz, $7::uuid))`;
    const sides: string[] = [];
    if (filter.direction !== 'inbound') {
      sides.push(`SELECT id, 'outbound' AS direction, from_address AS from_number, to_number, body, status, conversation_id, created_at, created_at::text AS ts
        FROM messages WHERE account_id = $1 AND ($2::text IS NULL OR to_number = $2) AND ($3::text IS NULL OR from_address = $3)
          AND ($4::text IS NULL OR status = $4) AND ($5::timestamptz IS NULL OR created_at >= $5) AND ${keyset('created_at')}
        ORDER BY 8 DESC, id DESC LIMIT $8`);
    }
    if (filter.direction !== 'outbound' && (filter.status === undefined || filter.status === INBOUND_STATUS)) {
      sides.push(`SELECT id, 'inbound' AS direction, from_number, to_number, body, '${INBOUND_STATUS}' AS status, conversation_id, received_at AS created_at, received_at::text AS ts
        FROM inbound_messages WHERE account_id = $1 AND ($2::text IS NULL OR to_number = $2) AND ($3::text IS NULL OR from_number = $3)
          AND ($4::text IS NULL OR $4 = '${INBOUND_STATUS}') AND ($5::timestamptz IS NULL OR received_at >= $5) AND ${keyset('received_at')}
        ORDER BY 8 DESC, id DESC LIMIT $8`);
    }
    if (sides.length === 0) return { items: [], nextCursor: null };
    const rows: MessageRowSql[] = await this.db.query(`SELECT * FROM (${sides.map((s) => `(${s})`).join(' UNION ALL ')}) m ORDER BY created_at DESC, id DESC LIMIT $8`, params);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: await Promise.all(page.map((m) => this.listed(m))), nextCursor: rows.length > limit && last ? encodeCursor(last.ts, last.id) : null };
  }

  private async listed(r: MessageRowSql): Promise<ListedMessage> {
    return toListed({ ...r, body: await keyringOf(this.db).open(r.body) });
  }
}

interface MessageRowSql {
  id: string;
  direction: 'inbound' | 'outbound';
  from_number: string;
  to_number: string;
  body: string;
  status: string;
  conversation_id: string | null;
  created_at: Date;
  ts: string;
}

const toListed = (r: MessageRowSql): ListedMessage => ({
  id: r.id,
  direction: r.direction,
  from: r.from_number,
  to: r.to_number,
  body: r.body,
  status: r.status,
  conversationId: r.conversation_id,
  createdAt: r.created_at,
});
