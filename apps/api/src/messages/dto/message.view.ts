import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MessageEncoding, MessageStatus } from '@app/contracts';

export class AcceptedMessageView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['accepted', 'queued', 'submitted', 'delivered', 'failed', 'cancelled', 'rejected'] })
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

export class MessageErrorView {
  @ApiProperty({ example: 'unknown_subscriber', description: 'Our error code; the same for every carrier' })
  code!: string;

  @ApiProperty({ enum: ['retry_same_carrier', 'try_next_carrier', 'permanent'] })
  class!: string;

  @ApiProperty({ example: 'UNDELIV err:001', description: "The carrier's own code" })
  carrierCode!: string;

  @ApiProperty({ example: 'Remove the number from your list or ask the customer for a current one.' })
  remediation!: string;
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

  @ApiProperty({ enum: ['otp', 'transactional', 'marketing'] })
  priority!: string;

  @ApiProperty({ enum: ['sms', 'voice'], description: 'voice: delivered by the voice fallback call' })
  channel!: string;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Routing table version that routed the message' })
  routingVersion!: number | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Routing rule that routed the message' })
  routingRuleId!: string | null;

  @ApiProperty({ description: 'Number of carrier attempts so far' })
  attempts!: number;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'msg-0b7e3c9a-7d55-4a7e-9a55-3c1f1a2b3c4d',
    description: 'The Temporal workflow that carries the message (open it in the Temporal Web UI): msg-<id> for its own, batch-<page> for a page; null while a paged message waits for its page',
  })
  workflowId!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  failureReason!: string | null;

  @ApiPropertyOptional({ nullable: true, type: () => MessageErrorView, description: 'Why the message failed, in our error taxonomy' })
  error!: MessageErrorView | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: [MessageAttemptView] })
  attemptHistory!: MessageAttemptView[];

  @ApiProperty({ type: [MessageEventView], description: 'Every state change, oldest first' })
  events!: MessageEventView[];
}

export class CancelMessageView {
  @ApiProperty({ description: 'True: the message will not be sent' })
  cancelled!: boolean;

  @ApiPropertyOptional({ description: 'Why it could not be cancelled', example: 'the message has been handed to a carrier' })
  reason?: string;
}
