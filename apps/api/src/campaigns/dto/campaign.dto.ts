// Request bodies and answers of /v1/campaigns (OpenAPI and validation). Texts, locales,
// senders and variables are checked further by the service, which names the field.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import type { CampaignCategory, CampaignStatus, MessageEncoding } from '@app/contracts';
import { TIME_OF_DAY } from '@app/domain';

export const MAX_THROTTLE_MPS = 10_000;
export const MAX_VALIDITY_SECONDS = 7 * 24 * 3600;

export class CampaignTextsDto {
  @ApiProperty({ example: 'Hi {{name}}, 20% off this weekend. Reply STOP to opt out.', maxLength: 1600, description: 'The text for recipients whose locale has none of its own; `{{name}}` is filled from the recipient\'s variables' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1600)
  default!: string;

  @ApiPropertyOptional({
    example: { hr: 'Bok {{name}}, 20% popusta ovaj vikend.', en: 'Hi {{name}}, 20% off this weekend.' },
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 1600 },
    description: 'Texts by locale (hr, en, pt-BR…); a recipient gets its locale, then its language, then `default`',
  })
  @IsOptional()
  @IsObject()
  locales?: Record<string, string>;
}

export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'Local time (HH:MM) in the recipient\'s country at which sending stops' })
  @IsString()
  @Matches(TIME_OF_DAY, { message: 'from must be a time of day HH:MM' })
  from!: string;

  @ApiProperty({ example: '08:00', description: 'Local time (HH:MM) at which sending resumes' })
  @IsString()
  @Matches(TIME_OF_DAY, { message: 'to must be a time of day HH:MM' })
  to!: string;
}

export class CampaignScheduleDto {
  @ApiPropertyOptional({ example: '2026-12-24T09:00:00Z', description: 'Nothing is sent before this time (at most 35 days ahead); absent or past: at start' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'startAt must be an ISO 8601 time' })
  startAt?: string;

  @ApiPropertyOptional({ type: QuietHoursDto, description: 'Recipients whose local time is inside this window wait until it ends' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto;
}

export class ThrottleDto {
  @ApiProperty({ example: 50, minimum: 0.1, maximum: MAX_THROTTLE_MPS, description: 'Messages per second handed to delivery' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.1)
  @Max(MAX_THROTTLE_MPS)
  mps!: number;
}

export class CreateCampaignDto {
  @ApiProperty({ example: 'Winter sale', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'Acme', description: 'Sender id (alphanumeric ≤ 11, short code or E.164); give this or senderPool' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  from?: string;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', example: 'support', description: "The name of one of the account's sender pools (POST /v1/sender-pools): each recipient keeps getting the same number" },
      { type: 'array', items: { type: 'string', maxLength: 20 }, minItems: 1, maxItems: 50, example: ['+14155550100', '+385911234567'], description: "Senders to choose from: a recipient gets the list's number of its own country, else one of the list" },
    ],
    description: 'Give this or from. Every sender must be one the account holds',
  })
  @IsOptional()
  @ValidateBy({
    name: 'senderPool',
    validator: {
      validate: (v: unknown) =>
        typeof v === 'string'
          ? /^[A-Za-z0-9._-]{1,64}$/.test(v)
          : Array.isArray(v) && v.length >= 1 && v.length <= 50 && v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 20),
      defaultMessage: () => 'senderPool must be the name of a sender pool or a list of 1 to 50 senders',
    },
  })
  senderPool?: string | string[];

  @ApiProperty({ type: CampaignTextsDto })
  @ValidateNested()
  @Type(() => CampaignTextsDto)
  message!: CampaignTextsDto;

  @ApiProperty({ enum: ['marketing', 'transactional'], description: 'marketing needs each recipient\'s consent' })
  @IsIn(['marketing', 'transactional'])
  category!: CampaignCategory;

  @ApiPropertyOptional({ type: CampaignScheduleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CampaignScheduleDto)
  schedule?: CampaignScheduleDto;

  @ApiPropertyOptional({ type: ThrottleDto, description: 'Absent: as fast as delivery takes them' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ThrottleDto)
  throttle?: ThrottleDto;

  @ApiPropertyOptional({ example: 86400, minimum: 60, maximum: MAX_VALIDITY_SECONDS, description: 'Seconds after the start within which a recipient held by quiet hours may still be sent; later ones expire' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(MAX_VALIDITY_SECONDS)
  validity?: number;

  @ApiPropertyOptional({ example: false, description: 'Look-alike Unicode (curly quotes, dashes) becomes GSM-7 before segments are counted' })
  @IsOptional()
  @IsBoolean()
  smartEncoding?: boolean;

  @ApiPropertyOptional({ example: false, description: 'Letters GSM-7 lacks become their base letter (č ć → c, ž → z, š → s, đ → d), so such texts can go as GSM-7; off by default' })
  @IsOptional()
  @IsBoolean()
  transliterate?: boolean;
}

export class UpdateCampaignDto {
  @ApiPropertyOptional({ type: ThrottleDto, nullable: true, description: 'The new rate (null: no limit); a running campaign applies it within two seconds' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ThrottleDto)
  throttle!: ThrottleDto | null;
}

export class RecipientDto {
  @ApiProperty({ example: '+385911234567' })
  phone!: string;

  @ApiPropertyOptional({ example: 'hr' })
  locale?: string;

  @ApiPropertyOptional({ example: { name: 'Ana' }, type: 'object', additionalProperties: { type: 'string' } })
  variables?: Record<string, string>;

  @ApiPropertyOptional({ example: true, description: 'The uploader attests this recipient consented to this category of messages (recorded as a consent event)' })
  consent?: boolean;
}

export class AddRecipientsDto {
  @ApiProperty({ type: [RecipientDto], minItems: 1, maxItems: 1000 })
  recipients!: RecipientDto[];
}

export class RowErrorView {
  @ApiPropertyOptional({ example: 7, description: 'CSV: the line (the header is line 1)' })
  line?: number;

  @ApiPropertyOptional({ example: 3, description: 'JSON: the index in recipients' })
  index?: number;

  @ApiProperty({ example: 'phone' })
  field!: string;

  @ApiProperty({ example: 'phone is not a valid phone number for its country code: +1555' })
  reason!: string;
}

export class UploadResultView {
  @ApiProperty({ example: 10000, description: 'Rows read (header and blank lines not counted)' })
  received!: number;

  @ApiProperty({ example: 9950 })
  added!: number;

  @ApiProperty({ example: 20, description: 'Numbers already in the campaign (or twice in this upload): dropped' })
  duplicates!: number;

  @ApiProperty({ example: 30 })
  invalid!: number;

  @ApiProperty({ type: [RowErrorView], description: 'The first 100 invalid rows' })
  errors!: RowErrorView[];
}

export class RecipientCountersView {
  @ApiProperty() total!: number;
  @ApiProperty() pending!: number;
  @ApiProperty({ description: 'Waiting for their quiet hours to end' }) deferred!: number;
  @ApiProperty({ description: 'Handed to delivery' }) sent!: number;
  @ApiProperty({ name: 'opted_out' }) opted_out!: number;
  @ApiProperty({ name: 'no_consent' }) no_consent!: number;
  @ApiProperty() expired!: number;
  @ApiProperty() invalid!: number;
  @ApiProperty() cancelled!: number;
}

export class MessageCountersView {
  @ApiProperty() accepted!: number;
  @ApiProperty() queued!: number;
  @ApiProperty() submitted!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cancelled!: number;
}

export class CampaignCountersView {
  @ApiProperty({ type: RecipientCountersView })
  recipients!: RecipientCountersView;

  @ApiProperty({ type: MessageCountersView, description: 'The campaign\'s messages by status' })
  messages!: MessageCountersView;
}

export class QuietHoursView {
  @ApiProperty({ example: '21:00' }) from!: string;
  @ApiProperty({ example: '08:00' }) to!: string;
}

export class ScheduleView {
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startAt!: string | null;
  // Inline (not a $ref): OpenAPI 3.0 cannot mark a $ref nullable.
  @ApiProperty({ type: 'object', nullable: true, properties: { from: { type: 'string', example: '21:00' }, to: { type: 'string', example: '08:00' } }, required: ['from', 'to'] })
  quietHours!: QuietHoursView | null;
}

export class CampaignView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['draft', 'scheduled', 'running', 'paused', 'sending', 'completed', 'cancelled'], description: 'sending: every recipient handed over, waiting for final statuses' })
  status!: CampaignStatus;
  @ApiProperty({ enum: ['marketing', 'transactional'] }) category!: CampaignCategory;
  @ApiProperty({ nullable: true, type: String }) from!: string | null;
  @ApiProperty({ nullable: true, type: [String], description: 'The list of senders given as senderPool' }) senderPool!: string[] | null;
  @ApiProperty({ nullable: true, type: String, description: "The account's sender pool given by name as senderPool" }) senderPoolName!: string | null;
  @ApiProperty({ type: CampaignTextsDto }) message!: CampaignTextsDto;
  @ApiProperty({ type: ScheduleView }) schedule!: ScheduleView;
  @ApiProperty({ type: 'object', nullable: true, properties: { mps: { type: 'number', example: 50 } }, required: ['mps'], description: 'null: no limit' })
  throttle!: { mps: number } | null;
  @ApiProperty({ nullable: true, type: Number }) validity!: number | null;
  @ApiProperty() smartEncoding!: boolean;
  @ApiProperty() transliterate!: boolean;
  @ApiProperty({ example: 'campaign-5f0c…', description: 'The runCampaign workflow in the Temporal Web UI (CampaignId = id)' }) workflowId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ type: CampaignCountersView }) counters!: CampaignCountersView;
}

export class CampaignListView {
  @ApiProperty({ type: [CampaignView] }) campaigns!: CampaignView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?before= for the next page' }) next!: string | null;
}

export class LocalePreviewView {
  @ApiProperty({ example: 'hr', description: 'The template used (`default` when the locale has none)' }) locale!: string;
  @ApiProperty({ example: 'Bok Ana, 20% popusta ovaj vikend.', description: 'The text as the first recipient of this locale gets it' }) sample!: string;
  @ApiProperty({ enum: ['GSM-7', 'UCS-2'] }) encoding!: MessageEncoding;
  @ApiProperty({ example: 1 }) segments!: number;
  @ApiProperty({ example: ['č'], type: [String], description: 'Characters that push the text to UCS-2' }) ucs2Characters!: string[];
  @ApiProperty({ nullable: true, type: Object, description: 'With smartEncoding on: encoding and segments (only look-alike punctuation is replaced; letters such as č stay)' })
  withSmartEncoding!: { encoding: MessageEncoding; segments: number } | null;
  @ApiProperty({ nullable: true, type: Object, description: 'With transliterate on (letters GSM-7 lacks become their base letter): encoding and segments' })
  withTransliteration!: { encoding: MessageEncoding; segments: number } | null;
  @ApiProperty({ example: 1200 }) recipients!: number;
  @ApiProperty({ nullable: true, type: Number, example: 9.6, description: 'Segments × the first carrier\'s price for each country (null when a carrier has no price)' }) estimatedCost!: number | null;
}

export class CampaignPreviewView {
  @ApiProperty({ type: [LocalePreviewView] }) locales!: LocalePreviewView[];
  @ApiProperty({ nullable: true, type: Number }) estimatedCost!: number | null;
  @ApiProperty({ example: 'Croatian diacritics (č, ć, ž, š, đ) are not in GSM-7: such texts go as UCS-2 (70 characters per segment).', type: [String] }) notes!: string[];
}

export class ActionView {
  @ApiProperty({ enum: ['draft', 'scheduled', 'running', 'paused', 'sending', 'completed', 'cancelled'] }) status!: CampaignStatus;
}

export class OptOutDto {
  @ApiProperty({ example: '+385911234567' })
  @IsString()
  @MaxLength(32)
  phone!: string;

  @ApiPropertyOptional({ example: true, description: 'false records an opt-in again' })
  @IsOptional()
  @IsBoolean()
  optedOut?: boolean;
}
