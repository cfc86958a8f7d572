// Request bodies, query parameters and views of the compliance API: the evidence export
// (GET /v1/compliance/events), recording opt-outs, opt-ins and consents (source `api`), the
// account's compliance settings and its auto-reply rules (OpenAPI and validation).
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ArrayMaxSize } from 'class-validator';
import { PageQuery } from '../../conversations/dto/conversation.dto';

const PRIORITIES = ['otp', 'transactional', 'marketing'] as const;
const CONSENT_CATEGORIES = ['transactional', 'marketing'] as const;
const SOURCES = ['keyword', 'api', 'import', 'campaign_reply', 'operator'] as const;
const TYPES = ['opt_out', 'opt_in', 'consent_granted', 'consent_withdrawn'] as const;
const PHONE_DESCRIPTION = 'E.164 (validated with libphonenumber-js; spaces and dashes are accepted and removed)';
const SENDER_DESCRIPTION = 'Only this sender (our number or sender id); absent: the whole account';

export const SCOPE_DESCRIPTION =
  '`account` (default): an opt-out keyword opts the subscriber out of every sender of the account; `sender`: of the number the keyword was sent to ' +
  '(STOPALL always opts out of the whole account).';
export const EXEMPT_DESCRIPTION =
  'Message categories (the message `priority`) sent to an opted-out subscriber anyway, the exemption recorded on the message (event `opt_out_exempt`). ' +
  'Default `["otp"]`: a verification code the subscriber just asked for. `[]` exempts nothing.';

export class EvidenceQuery extends PageQuery {
  @ApiPropertyOptional({ example: '+385911234567', description: 'Only this number (send + as %2B)' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: 'json: one page (limit, cursor); csv: every event, streamed' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}

export class EvidenceEventView {
  @ApiProperty({ example: 'opt-42', description: '`opt-<n>` (opt-out/opt-in) or `consent-<n>`' }) id!: string;
  @ApiProperty({ enum: TYPES }) type!: (typeof TYPES)[number];
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The account the record belongs to (operator-wide opt-outs, which have none, are not exported)' }) accountId!: string | null;
  @ApiProperty({ example: '+385911234567' }) phone!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The sender it applies to; null: the whole account' }) sender!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: [...CONSENT_CATEGORIES], description: 'Consents: the category' }) category!: string | null;
  @ApiProperty({ enum: SOURCES, description: 'How: a keyword MO, this API, an audience import, a keyword replying to a campaign, an operator' }) source!: string;
  @ApiProperty({ nullable: true, type: String, example: 'ODJAVA', description: 'The keyword as configured' }) keyword!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The inbound message (MO) it came from' }) inboundMessageId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) campaignId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class EvidenceListView {
  @ApiProperty({ type: [EvidenceEventView] }) items!: EvidenceEventView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor!: string | null;
}

export class RecordOptOutDto {
  @ApiProperty({ example: '+385911234567', description: PHONE_DESCRIPTION })
  @IsString()
  @MaxLength(32)
  phone!: string;

  @ApiPropertyOptional({ example: '+14155550100', description: SENDER_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  sender?: string;
}

export class RecordConsentDto extends RecordOptOutDto {
  @ApiProperty({ enum: CONSENT_CATEGORIES, description: 'The category consented to (campaigns of category marketing need it)' })
  @IsIn(CONSENT_CATEGORIES as unknown as string[], { message: 'category must be transactional or marketing' })
  category!: (typeof CONSENT_CATEGORIES)[number];

  @ApiPropertyOptional({ default: true, description: 'false records a withdrawal' })
  @IsOptional()
  @IsBoolean()
  granted?: boolean;
}

export class LocaleKeywordsView {
  @ApiPropertyOptional({ type: [String], example: ['ODJAVA'], description: 'Opt-out keywords (scope per optOutScope)' }) optOut?: string[];
  @ApiPropertyOptional({ type: [String], example: ['STOPALL'], description: 'Opt-out keywords that always mean the whole account' }) optOutAll?: string[];
  @ApiPropertyOptional({ type: [String], example: ['PRIJAVA'] }) optIn?: string[];
  @ApiPropertyOptional({ type: [String], example: ['POMOĆ'] }) help?: string[];
  @ApiPropertyOptional({
    type: 'object',
    properties: { optOut: { type: 'string', maxLength: 1600 }, optIn: { type: 'string', maxLength: 1600 }, help: { type: 'string', maxLength: 1600 } },
    additionalProperties: false,
    description: 'Confirmations in this locale',
  })
  replies?: { optOut?: string; optIn?: string; help?: string };
}

const KEYWORDS_SCHEMA = {
  type: 'object' as const,
  additionalProperties: { $ref: getSchemaPath(LocaleKeywordsView) },
  description: "The account's own keywords and confirmations per locale; they add to the shipped sets (en, hr)",
};

export class ComplianceSettingsView {
  @ApiProperty({ enum: ['account', 'sender'], description: SCOPE_DESCRIPTION }) optOutScope!: 'account' | 'sender';
  @ApiProperty({ enum: PRIORITIES, isArray: true, description: EXEMPT_DESCRIPTION }) exemptCategories!: string[];
  @ApiProperty({ description: 'The reply to HELP and INFO' }) helpText!: string;
  @ApiProperty({ type: [String], example: ['en', 'hr'], description: 'Locales whose keywords apply, in order: the first that knows a keyword gives its confirmation' })
  locales!: string[];
  @ApiProperty(KEYWORDS_SCHEMA) keywords!: Record<string, LocaleKeywordsView>;
}

export class UpdateComplianceSettingsDto {
  @ApiPropertyOptional({ enum: ['account', 'sender'], nullable: true, description: `${SCOPE_DESCRIPTION} null: the default` })
  @IsOptional()
  @IsIn(['account', 'sender'], { message: 'optOutScope must be account or sender' })
  optOutScope?: 'account' | 'sender' | null;

  @ApiPropertyOptional({ enum: PRIORITIES, isArray: true, nullable: true, description: `${EXEMPT_DESCRIPTION} null: the default` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsIn(PRIORITIES as unknown as string[], { each: true, message: 'exemptCategories must hold otp, transactional or marketing' })
  exemptCategories?: string[] | null;

  @ApiPropertyOptional({ nullable: true, maxLength: 1600, description: 'The reply to HELP and INFO; null: the default' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1600)
  helpText?: string | null;

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['hr', 'en'], description: 'Locales whose keywords apply, in order (1–10); null: the default (en, hr)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  locales?: string[] | null;

  @ApiPropertyOptional({ ...KEYWORDS_SCHEMA, nullable: true })
  @IsOptional()
  @IsObject()
  keywords?: Record<string, unknown> | null;
}

export class AutoReplyDto {
  @ApiProperty({ example: 'PRICE', minLength: 1, maxLength: 160, description: 'Compared case- and accent-insensitively, trimmed' })
  @IsString()
  @MinLength(1)
  @MaxLength(160)
  keyword!: string;

  @ApiPropertyOptional({ enum: ['exact', 'prefix'], default: 'exact', description: 'exact: the whole message; prefix: the message starts with the keyword as a word' })
  @IsOptional()
  @IsIn(['exact', 'prefix'], { message: 'match must be exact or prefix' })
  match?: 'exact' | 'prefix';

  @ApiPropertyOptional({ example: 'hr', description: 'The locale of the rule (ranked by the account locale order); absent: any' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, { message: 'locale must be a locale such as hr, en or pt-BR' })
  locale?: string;

  @ApiProperty({ example: 'Our prices: https://example.com/prices', minLength: 1, maxLength: 1600 })
  @IsString()
  @MinLength(1)
  @MaxLength(1600)
  reply!: string;
}

export class AutoReplyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() keyword!: string;
  @ApiProperty({ enum: ['exact', 'prefix'] }) match!: 'exact' | 'prefix';
  @ApiProperty({ nullable: true, type: String }) locale!: string | null;
  @ApiProperty() reply!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class AutoReplyListView {
  @ApiProperty({ type: [AutoReplyView] }) items!: AutoReplyView[];
}
