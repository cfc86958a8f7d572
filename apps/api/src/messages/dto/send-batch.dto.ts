import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { MessageEncoding, MessageStatus } from '@app/contracts';
import { MAX_IDEMPOTENCY_KEY } from '@app/messaging';
import { SendMessageDto } from './send-message.dto';

export const MAX_BATCH = 1000;

/** One message of a batch: the fields of POST /v1/messages, and its own Idempotency-Key. */
export class BatchMessageDto extends SendMessageDto {
  @ApiPropertyOptional({ example: 'order-1234', maxLength: MAX_IDEMPOTENCY_KEY, description: 'Repeat this item safely: the same key returns the same message' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_IDEMPOTENCY_KEY)
  idempotencyKey?: string;
}

export class SendBatchDto {
  // Items are validated one by one by the service, so one bad item is answered on its own.
  @ApiProperty({ type: [BatchMessageDto], minItems: 1, maxItems: MAX_BATCH, description: `1 to ${MAX_BATCH} messages, each validated and answered on its own` })
  @IsArray({ message: 'messages must be an array' })
  @ArrayMinSize(1, { message: 'messages must hold at least one message' })
  @ArrayMaxSize(MAX_BATCH, { message: `messages must hold at most ${MAX_BATCH} messages` })
  messages!: unknown[];
}

export class BatchItemErrorView {
  @ApiProperty({ example: 'invalid_field' })
  code!: string;

  @ApiProperty({ example: 'to must be an E.164 number' })
  message!: string;

  @ApiPropertyOptional({ example: 'messages[3].to' })
  field?: string;
}

export class BatchItemView {
  @ApiProperty({ example: 0, description: 'Position in the request' })
  index!: number;

  @ApiPropertyOptional({ format: 'uuid' })
  id?: string;

  @ApiPropertyOptional({ enum: ['accepted', 'queued', 'submitted', 'delivered', 'failed', 'cancelled', 'rejected'] })
  status?: MessageStatus;

  @ApiPropertyOptional({ example: 1 })
  segments?: number;

  @ApiPropertyOptional({ enum: ['GSM-7', 'UCS-2'] })
  encoding?: MessageEncoding;

  @ApiPropertyOptional({ type: BatchItemErrorView, description: 'Set when this item was refused; nothing was stored for it' })
  error?: BatchItemErrorView;
}

export class BatchAcceptedView {
  @ApiProperty({ example: 999 })
  accepted!: number;

  @ApiProperty({ example: 1 })
  rejected!: number;

  @ApiProperty({ type: [BatchItemView] })
  results!: BatchItemView[];
}
