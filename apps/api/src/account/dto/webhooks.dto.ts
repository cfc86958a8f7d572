// Body and views of the account's webhook settings: the inbound webhook URL and the signing secrets.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, MaxLength, Max, Min, ValidateIf } from 'class-validator';

export const SIGNING_DESCRIPTION =
  'Every webhook (status callbacks and inbound messages) is signed: `X-Signature: t=<unix seconds>,v1=<hex>` where v1 is HMAC-SHA256 with your secret ' +
  'over `<t>.<raw body>`; during a rotation there is one v1 per active secret. `X-Event-Id` (and `eventId` in the body) is the same on every retry of an event: de-duplicate by it.';
export const DEFAULT_OVERLAP_SECONDS = 86_400;

export class UpdateWebhooksDto {
  @ApiProperty({ nullable: true, type: String, example: 'https://example.com/sms/inbound', description: 'Where inbound messages (MO) to your numbers are POSTed; null stops them. Must lead to a public address.' })
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'inboundUrl must be a URL or null' })
  @MaxLength(2048)
  inboundUrl!: string | null;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 604_800, default: DEFAULT_OVERLAP_SECONDS, description: 'How long the previous secret keeps signing beside the new one' })
  // Absent means the default; null is refused like any other non-integer.
  @ValidateIf((_, value) => value !== undefined)
  @IsInt({ message: 'overlapSeconds must be an integer from 0 to 604800' })
  @Min(0, { message: 'overlapSeconds must be an integer from 0 to 604800' })
  @Max(604_800, { message: 'overlapSeconds must be an integer from 0 to 604800' })
  overlapSeconds?: number;
}

export class WebhookSecretInfo {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set on the previous secret during a rotation: it stops signing then' })
  expiresAt!: string | null;
}

export const ENDPOINTS_SHOWN = 50;

export class EndpointHealthView {
  @ApiProperty({ example: 'https://example.com/sms/status' })
  url!: string;

  @ApiProperty({
    enum: ['healthy', 'unhealthy'],
    description:
      'unhealthy: every try failed for WEBHOOK_UNHEALTHY_AFTER_SECONDS (30 min by default). Its new webhooks are then held, not dropped: one is tried at a time ' +
      '(every WEBHOOK_PROBE_SECONDS, 60 s), and once it answers 2xx it is healthy again and the held ones go out, in order. Held webhooks are never given up.',
  })
  health!: 'healthy' | 'unhealthy';

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastSuccessAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastFailureAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Since when every try failed; null after a success' })
  failingSince!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  unhealthySince!: string | null;

  @ApiProperty({ description: 'Webhooks waiting for it (pending or held)' })
  waiting!: number;
}

export class WebhooksView {
  @ApiProperty({ nullable: true, type: String })
  inboundUrl!: string | null;

  @ApiPropertyOptional({ description: 'The signing secret, shown once: only in the answer that created it' })
  secret?: string;

  @ApiProperty({ type: [WebhookSecretInfo], description: 'Secrets that sign now (newest first)' })
  secrets!: WebhookSecretInfo[];

  @ApiProperty({ type: [EndpointHealthView], description: `Health of the endpoints webhooks were sent to (inbound URL, status callback URLs): unhealthy first, then the most recently used; at most ${ENDPOINTS_SHOWN}` })
  endpoints!: EndpointHealthView[];
}

export class RotatedSecretView {
  @ApiProperty({ example: 'whsec_…', description: 'The new secret, shown once' })
  secret!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Until when the previous secret also signs' })
  previousExpiresAt!: string | null;
}
