import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MessageEncoding, MessageStatus } from '@app/contracts';

export class AcceptedMessageView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['accepted', 'queued', 'submitted', 'delivered', 'failed'] })
  status!: MessageStatus;

  @ApiProperty({ example: 1 })
  segments!: number;

  @ApiProperty({ enum: ['GSM-7', 'UCS-2'] })
  encoding!: MessageEncoding;
}

export class MessageEventView {
  @ApiProperty({ example: 'submitted' })
  type!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  carrierId!: string | null;

  @ApiPropertyOptional({ nullable: true, type: Number })
  attempt!: number | null;

  @ApiPropertyOptional({ nullable: true, type: Object })
  detail!: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;
}

export class MessageAttemptView {
  @ApiProperty()
  attempt!: number;

  @ApiProperty()
  carrierId!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  carrierMessageId!: string | null;

  @ApiProperty({ example: 'delivered' })
  status!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  error!: string | null;
}

export class MessageView extends AcceptedMessageView {
  @ApiProperty()
  to!: string;

  @ApiProperty()
  from!: string;

  @ApiProperty()
  body!: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Carrier of the latest attempt' })
  carrierId!: string | null;

  @ApiProperty({ description: 'Number of carrier attempts so far' })
  attempts!: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  failureReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: [MessageAttemptView] })
  attemptHistory!: MessageAttemptView[];

  @ApiProperty({ type: [MessageEventView], description: 'Every state change, oldest first' })
  events!: MessageEventView[];
}
