// A message's timeline (GET /v1/messages/:id, a data subject's export): its stored events and
// those its rows already say, in the order they happened. Rows that are events, so the hot
// paths write one row, not two:
// - the message row is its `accepted` event (created_at, segments, encoding, campaign) and, in
//   a page, its `queued` event (queued_at, batch_id; stored when the message leaves its page);
// - a paged attempt's row (message_attempts with a batch_id) is its `submitted` event
//   (submitted_at, carrier message id) and, once a receipt delivered it, its `receipt` and
//   `delivered` events (completed_at, the receipt that decided it).
// Where the event is stored as well (written before this was so, a verification's send whose
// `accepted` names its verification), the stored one is shown. A message's own workflow stores
// every event it records; so does the bulk path for everything else (a failed attempt or
// message, a page left, callbacks).
import type { MessageEventType } from '@app/contracts';

export interface TimelineEvent {
  /** Null for an event read from the message's rows. */
  id: string | null;
  messageId: string;
  type: MessageEventType;
  carrierId: string | null;
  attempt: number | null;
  detail: Record<string, unknown> | null;
  occurredAt: Date;
}

/** Whether message `messageId` has a stored event of this type (and attempt). */
const stored = (messageId: string, type: string, attempt?: string) =>
  `EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = ${messageId} AND e.type = '${type}'${attempt ? ` AND e.attempt = ${attempt}` : ''})`;

/**
 * The timelines of the messages in $1 (uuid[]), each in order, messages in id order. Events at
 * the same instant (one transaction) keep the order they were recorded in: the `accepted` read
 * from the row first, then stored ones by id (and a `queued` read from the row), then an
 * attempt's submitted, receipt, delivered.
 */
export const TIMELINE_SQL = `
  SELECT id, message_id, type, carrier_id, attempt, detail, occurred_at FROM (
    SELECT NULL::bigint AS id, x.id AS message_id, 'accepted'::text AS type, NULL::text AS carrier_id, NULL::int AS attempt,
           jsonb_build_object('segments', x.segments, 'encoding', x.encoding) || CASE WHEN x.campaign_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('campaignId', x.campaign_id) END AS detail,
           x.created_at AS occurred_at, 0 AS rank
    FROM messages x
    WHERE x.id = ANY($1::uuid[]) AND NOT ${stored('x.id', 'accepted')}
    UNION ALL
    SELECT NULL, x.id, 'queued', NULL, NULL, jsonb_build_object('batchId', x.batch_id), x.queued_at, 1
    FROM messages x
    WHERE x.id = ANY($1::uuid[]) AND x.queued_at IS NOT NULL AND x.batch_id IS NOT NULL
    UNION ALL
    SELECT id, message_id, type, carrier_id, attempt, detail, occurred_at, 1 FROM message_events WHERE message_id = ANY($1::uuid[])
    UNION ALL
    SELECT NULL, x.message_id, 'submitted', x.carrier_id, x.attempt, jsonb_build_object('carrierMessageId', x.carrier_message_id), x.submitted_at, 2
    FROM message_attempts x
    WHERE x.message_id = ANY($1::uuid[]) AND x.batch_id IS NOT NULL AND x.submitted_at IS NOT NULL AND NOT ${stored('x.message_id', 'submitted', 'x.attempt')}
    UNION ALL
    SELECT NULL, x.message_id, t.type, x.carrier_id, x.attempt, CASE WHEN t.type = 'receipt' THEN x.receipt END, x.completed_at, t.rank
    FROM message_attempts x, (VALUES ('receipt', 3), ('delivered', 4)) AS t(type, rank)
    WHERE x.message_id = ANY($1::uuid[]) AND x.batch_id IS NOT NULL AND x.status = 'delivered' AND x.receipt IS NOT NULL
  ) t ORDER BY message_id, occurred_at, rank, id`;

interface TimelineRow {
  id: string | null;
  message_id: string;
  type: MessageEventType;
  carrier_id: string | null;
  attempt: number | null;
  detail: Record<string, unknown> | null;
  occurred_at: Date;
}

export const toTimelineEvent = (r: TimelineRow): TimelineEvent => ({
  id: r.id === null ? null : String(r.id),
  messageId: r.message_id,
  type: r.type,
  carrierId: r.carrier_id,
  attempt: r.attempt,
  detail: r.detail,
  occurredAt: new Date(r.occurred_at),
});
