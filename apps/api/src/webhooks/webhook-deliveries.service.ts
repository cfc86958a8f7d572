// The webhook delivery log and replay of an account (WebhookLogRepository).
import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/contracts';
import { decodeDeliveryCursor, Delivery, WEBHOOK_EVENT_TYPES, WebhookLogRepository } from '@app/db';
import { DEFAULT_PAGE } from '../conversations/dto/conversation.dto';
import { DeliveryListView, DeliveryQuery, DeliveryView, ReplayDto, ReplayView } from './dto/webhook-deliveries.dto';

/** An ISO time PostgreSQL can hold (years 1 to 9999), or a 400 naming the field. */
function time(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!(date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999)) throw new ValidationError('invalid_field', `${field} must be a time between the years 1 and 9999`, field);
  return date;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const view = (d: Delivery): DeliveryView => ({
  ...d,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: iso(d.deliveredAt),
  nextRetryAt: iso(d.nextRetryAt),
  attempts: d.attempts.map((t) => ({ ...t, at: t.at.toISOString(), nextRetryAt: iso(t.nextRetryAt) })),
});

@Injectable()
export class WebhookDeliveriesService {
  constructor(private readonly log: WebhookLogRepository) {}

  async deliveries(accountId: string, query: DeliveryQuery): Promise<DeliveryListView> {
    let after: string | null = null;
    if (query.cursor !== undefined) {
      after = decodeDeliveryCursor(query.cursor);
      if (after === null) throw new ValidationError('invalid_field', 'cursor must be the nextCursor of a previous page', 'cursor');
    }
    const page = await this.log.deliveries(
      accountId,
      { status: query.status, type: query.type, since: time(query.since, 'since'), until: time(query.until, 'until'), eventId: query.eventId, url: query.url },
      query.limit ?? DEFAULT_PAGE,
      after,
    );
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  async replay(accountId: string, dto: ReplayDto): Promise<ReplayView> {
    const since = time(dto.since, 'since')!;
    const until = time(dto.until, 'until')!;
    if (until <= since) throw new ValidationError('invalid_field', 'until must be after since', 'until');
    const replayed = await this.log.replay(accountId, since, until, dto.types ?? Object.values(WEBHOOK_EVENT_TYPES));
    return { replayed };
  }
}
