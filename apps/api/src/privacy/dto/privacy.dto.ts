// Retention settings, data-subject export and erasure as the API shows and accepts them
// (README "Retention and erasure").
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_BODY_RETENTION_DAYS, DEFAULT_METADATA_RETENTION_DAYS } from '@app/db';

export const MAX_RETENTION_DAYS = 3650;
const BODY_DOCS = `Days after which message and inbound bodies are redacted (with their copies in receipts' raw text and webhook/SMPP outboxes); default ${DEFAULT_BODY_RETENTION_DAYS}. At most metadataRetentionDays.`;
const METADATA_DOCS = `Days after which messages, their events, attempts, parts, receipts, webhooks, inbound messages, silent conversations and finished campaigns' recipients are deleted; default ${DEFAULT_METADATA_RETENTION_DAYS}.`;
const PHONE_DOCS = 'E.164 (validated with libphonenumber-js; spaces and dashes are accepted and removed)';

export const RETENTION_DESCRIPTION =
  'Applied by the `retention` Temporal Schedule (its applyRetention workflow runs every RETENTION_SCHEDULE_SECONDS). Opt-out and consent evidence is not deleted by retention.';

export class RetentionSettingsView {
  @ApiProperty({ example: DEFAULT_BODY_RETENTION_DAYS, description: BODY_DOCS })
  bodyRetentionDays!: number;

  @ApiProperty({ example: DEFAULT_METADATA_RETENTION_DAYS, description: METADATA_DOCS })
  metadataRetentionDays!: number;
}

export class UpdateRetentionDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RETENTION_DAYS, description: BODY_DOCS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RETENTION_DAYS)
  bodyRetentionDays?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RETENTION_DAYS, description: METADATA_DOCS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RETENTION_DAYS)
  metadataRetentionDays?: number;
}

export class DataSubjectDto {
  @ApiProperty({ example: '+14155552671', description: PHONE_DOCS })
  @IsString()
  @MaxLength(32)
  phone!: string;
}

export class ErasureView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ enum: ['pending', 'done'], description: 'pending: the eraseSubject workflow (`erasure-<id>`) is running; done: nothing about the number is left' })
  status!: 'pending' | 'done';
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt!: string | null;
}

const rows = (description: string) => ({ type: 'array', items: { type: 'object', additionalProperties: true }, description }) as const;

export class SubjectExportView {
  @ApiProperty({ example: '+14155552671' }) phone!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty(rows('Messages sent to the number (rows as stored)')) messages!: object[];
  @ApiProperty(rows('Their events')) messageEvents!: object[];
  @ApiProperty(rows('Their attempts (carrier, carrier message id, status)')) messageAttempts!: object[];
  @ApiProperty(rows('Delivery receipts carriers sent for them')) carrierReceipts!: object[];
  @ApiProperty(rows('Messages the number sent to the account (MO)')) inboundMessages!: object[];
  @ApiProperty(rows('Conversations with the number')) conversations!: object[];
  @ApiProperty(rows('Opt-out and opt-in events')) optOutEvents!: object[];
  @ApiProperty(rows('Consent events')) consentEvents!: object[];
  @ApiProperty(rows('Campaign audiences the number is in')) campaignRecipients!: object[];
  @ApiProperty(rows('Webhooks (status callbacks, inbound) about it')) webhooks!: object[];
  @ApiProperty(rows('SMPP receipts and MO queued for the account’s binds')) smppDeliveries!: object[];
  @ApiProperty(rows('Sticky sender numbers assigned to it')) senderAssignments!: object[];
  @ApiProperty(rows('Earlier erasures of the number (tombstones)')) erasures!: object[];
  @ApiProperty(rows('Verifications of the number (never the code, its salt or digest)')) verifications!: object[];
}
