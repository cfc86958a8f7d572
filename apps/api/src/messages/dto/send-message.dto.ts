import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import type { MessagePriority } from '@app/contracts';
import { MAX_BODY_LENGTH } from '@app/messaging';

export const PRIORITIES: MessagePriority[] = ['otp', 'transactional', 'marketing'];
export const MAX_SCHEDULE_DAYS = 35;

export class SendMessageDto {
  @ApiProperty({ example: '+14155552671', description: 'Destination in E.164: + and the country code' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  to!: string;

  @ApiPropertyOptional({
    example: 'Acme',
    description:
      'Sender: an alphanumeric sender ID (max 11), a short code or an E.164 long code the account holds (GET /v1/senders); an alphanumeric one must be approved for the destination\'s country where that country requires registration. Give this or senderPool.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  from?: string;

  @ApiPropertyOptional({ example: 'support', description: 'Instead of from: the name of one of the account\'s sender pools; a subscriber keeps getting the same number of the pool (sticky sender)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  senderPool?: string;

  @ApiProperty({ example: 'Your order has shipped', maxLength: MAX_BODY_LENGTH, description: 'Text; GSM-7 or UCS-2 is chosen for you (with the account\'s smart encoding on, look-alike Unicode such as curly quotes becomes GSM-7 first)' })
  @IsString()
  @IsNotEmpty({ message: 'body must not be empty' })
  @MaxLength(MAX_BODY_LENGTH, { message: `body must be at most ${MAX_BODY_LENGTH} characters` })
  body!: string;

  @ApiPropertyOptional({
    enum: PRIORITIES,
    default: 'transactional',
    description: 'Chooses the routing rules and failover policy: otp waits briefly per carrier and fails over fast; marketing waits longer',
  })
  @IsOptional()
  @IsIn(PRIORITIES, { message: `priority must be one of ${PRIORITIES.join(', ')}` })
  priority?: MessagePriority;

  @ApiPropertyOptional({ example: 'https://example.com/sms/status', description: 'Receives a POST on each status change' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'statusCallbackUrl must be an http(s) URL' })
  @MaxLength(2048)
  statusCallbackUrl?: string;

  @ApiPropertyOptional({
    example: '2026-12-24T08:00:00Z',
    format: 'date-time',
    description: `Scheduled delivery: nothing is sent before this time (at most ${MAX_SCHEDULE_DAYS} days ahead; a past time sends now). Cancellable until then.`,
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'sendAt must be an ISO 8601 date-time, e.g. 2026-12-24T08:00:00Z' })
  sendAt?: string;
}
