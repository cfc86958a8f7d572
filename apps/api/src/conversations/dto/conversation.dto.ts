// Query parameters and views of GET /v1/conversations, GET /v1/conversations/:id and
// GET /v1/messages (the account's messages, both directions).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;
export const LISTED_STATUSES = ['accepted', 'queued', 'submitted', 'delivered', 'failed', 'cancelled', 'rejected', 'received'] as const;

/** A `+` in a query string reads as a space unless sent as %2B: a leading space is taken for the `+` of an E.164 number. */
const plusFromSpace = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/^ (?=\d)/, '+') : value);
const ADDRESS = /^\+?[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'Items per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(MAX_PAGE, { message: 'limit must be an integer from 1 to 100' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(CURSOR, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class MessageListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['inbound', 'outbound'], description: 'Only messages received (inbound, MO) or sent (outbound); both when absent' })
  @IsOptional()
  @IsIn(['inbound', 'outbound'], { message: 'direction must be inbound or outbound' })
  direction?: 'inbound' | 'outbound';

  @ApiPropertyOptional({ example: '+14155552671', description: 'Exact recipient: a handset for outbound, our number for inbound (send + as %2B)' })
  @IsOptional()
  @Transform(plusFromSpace)
  @IsString()
  @Matches(ADDRESS, { message: 'to must be a number or sender id (E.164 with +, digits or letters, at most 32)' })
  to?: string;

  @ApiPropertyOptional({ example: '+14155550100', description: 'Exact sender: our number or sender id for outbound, the handset for inbound (send + as %2B)' })
  @IsOptional()
  @Transform(plusFromSpace)
  @IsString()
  @Matches(ADDRESS, { message: 'from must be a number or sender id (E.164 with +, digits or letters, at most 32)' })
  from?: string;

  @ApiPropertyOptional({ enum: LISTED_STATUSES, description: 'Status of outbound messages; inbound messages are all `received`' })
  @IsOptional()
  @IsIn(LISTED_STATUSES as unknown as string[], { message: `status must be one of ${LISTED_STATUSES.join(', ')}` })
  status?: (typeof LISTED_STATUSES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Only messages created (outbound) or received (inbound) at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;
}

export class ListedMessageView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['inbound', 'outbound'] })
  direction!: 'inbound' | 'outbound';

  @ApiProperty({ example: '+14155552671' })
  from!: string;

  @ApiProperty({ example: '+14155550100' })
  to!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({ enum: LISTED_STATUSES, description: 'Outbound: its status; inbound: `received`' })
  status!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The conversation it belongs to (inbound to, or reply from, a number of this account)' })
  conversationId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class MessageListView {
  @ApiProperty({ type: [ListedMessageView] })
  items!: ListedMessageView[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class ConversationView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '+14155550100', description: 'Our number (one this account holds)' })
  ourNumber!: string;

  @ApiProperty({ example: '+14155552671', description: 'The subscriber (handset)' })
  subscriber!: string;

  @ApiProperty({ example: 'conversation-6f1c…', description: 'Its Temporal workflow (search ConversationId="<id>")' })
  workflowId!: string;

  @ApiProperty({ description: 'Inbound messages received in it' })
  inboundCount!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastMessageAt!: string;
}

export class ConversationListView {
  @ApiProperty({ type: [ConversationView] })
  items!: ConversationView[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class ConversationDetailView extends ConversationView {
  @ApiProperty({ type: [ListedMessageView], description: 'Its messages, both directions, oldest first (at most 500)' })
  messages!: ListedMessageView[];
}
