// Query, body and views of the webhook delivery log (GET /v1/webhooks/deliveries) and replay
// (POST /v1/webhooks/replay).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '@app/db';
import { PageQuery } from '../../conversations/dto/conversation.dto';

export const EVENT_TYPES = Object.values(WEBHOOK_EVENT_TYPES);
const TYPES_MESSAGE = `must be one of ${EVENT_TYPES.join(', ')}`;

export const DELIVERY_LOG_DESCRIPTION =
  'Every webhook this account was sent (status callbacks `message.status`, inbound messages `message.inbound`), newest first, with its last 20 tries: ' +
  'when, the HTTP status or a coarse error, the latency, and when the next try is due. `status`: `pending` (queued or between retries), ' +
  '`held` (its endpoint is unhealthy: kept, probed one at a time), `delivered` (answered 2xx), `failed` (a final 4xx, or retried for 24 h). Cursor paginated.';

export class DeliveryQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES as string[], { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: (typeof DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES, { message: `type ${TYPES_MESSAGE}` })
  type?: (typeof EVENT_TYPES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Only webhooks queued at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only webhooks queued before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'One event (X-Event-Id)' })
  @IsOptional()
  @IsUUID('all', { message: 'eventId must be a UUID' })
  eventId?: string;

  @ApiPropertyOptional({ description: 'One endpoint: the exact URL' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;
}

export class DeliveryTryView {
  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ nullable: true, type: Number, description: 'The HTTP status the endpoint answered; null when it did not answer' })
  httpStatus!: number | null;

  @ApiProperty({ nullable: true, type: String, example: 'status callback answered HTTP 5xx', description: 'Coarse: the status class, `… endpoint unreachable`, or why the URL was refused' })
  error!: string | null;

  @ApiProperty({ example: 42 })
  latencyMs!: number;

  @ApiProperty({ enum: ['delivered', 'retrying', 'held', 'failed'], description: 'What the try led to' })
  outcome!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the next try was due after this one (retrying)' })
  nextRetryAt!: string | null;
}

export class DeliveryView {
  @ApiProperty({ format: 'uuid', description: 'X-Event-Id: the same on every retry and replay' })
  eventId!: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The message of a status callback' })
  messageId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The inbound message of an inbound webhook' })
  inboundId!: string | null;

  @ApiProperty({ nullable: true, type: Number, description: "Orders a message's status callbacks, and a conversation's inbound messages" })
  sequence!: number | null;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: string;

  @ApiProperty({ description: 'Tries so far (replays included)' })
  tries!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the next try is due (pending)' })
  nextRetryAt!: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastError!: string | null;

  @ApiProperty({ type: [DeliveryTryView], description: 'The last 20 tries, oldest first' })
  attempts!: DeliveryTryView[];
}

export class DeliveryListView {
  @ApiProperty({ type: [DeliveryView] })
  items!: DeliveryView[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class ReplayDto {
  @ApiProperty({ format: 'date-time', description: 'Replay webhooks queued at or after this time' })
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since!: string;

  @ApiProperty({ format: 'date-time', description: 'and before this time (after since)' })
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until!: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_TYPES, description: 'Only these event types; all when absent' })
  @IsOptional()
  @IsArray({ message: `types must be a list of event types` })
  @ArrayMinSize(1, { message: 'types must name at least one event type' })
  @ArrayMaxSize(EVENT_TYPES.length, { message: `types ${TYPES_MESSAGE}` })
  @IsIn(EVENT_TYPES, { each: true, message: `types ${TYPES_MESSAGE}` })
  types?: (typeof EVENT_TYPES)[number][];
}

export class ReplayView {
  @ApiProperty({ description: 'Webhooks queued again (delivered or failed ones in the range; those still waiting go out anyway)' })
  replayed!: number;
}
