// A message's timeline (GET /v1/messages/:id, a data subject's export): its stored events, led
// by its `accepted` event. That event is the message row itself (its created_at, segments,
// encoding and campaign), so the accept path writes one row per message, not two. A message
// accepted before this was so, or a verification's send (whose event names its verification),
// has the event stored, and the stored one is shown.
import type { MessageEventType } from '@app/contracts';

export interface TimelineEvent {
  /** Null for the `accepted` event read from the message row. */
  id: string | null;
  messageId: string;
  type: MessageEventType;
  carrierId: string | null;
  attempt: number | null;
  detail: Record<string, unknown> | null;
  occurredAt: Date;
}

/** The timelines of the messages in $1 (uuid[]), each in order, messages in id order. */
export const TIMELINE_SQL = `
  SELECT id, message_id, type, carrier_id, attempt, detail, occurred_at FROM (
    SELECT NULL::bigint AS id, m.id AS message_id, 'accepted'::text AS type, NULL::text AS carrier_id, NULL::int AS attempt,
           jsonb_build_object('segments', m.segments, 'encoding', m.encoding) || CASE WHEN m.campaign_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('campaignId', m.campaign_id) END AS detail,
           m.created_at AS occurred_at
    FROM messages m
    WHERE m.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.type = 'accepted')
    UNION ALL
    SELECT id, message_id, type, carrier_id, attempt, detail, occurred_at FROM message_events WHERE message_id = ANY($1::uuid[])
  ) t ORDER BY message_id, id NULLS FIRST`;

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
