// An account's limits as the API shows them and as operators change them (README, "Limits,
// quotas and fraud rules"). In a change, a field left out stays as it is and `null` returns it
// to the default.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { getCountries } from 'libphonenumber-js/max';
import { DEFAULT_ACCOUNT_LIMITS as D, MAX_LIMITS, NUMBER_TYPES, NumberType, PREFIX_DROPPED_DIGITS } from '@app/domain';

const COUNTRIES = getCountries() as string[];

const DOCS = {
  requestsPerSecond: `REST requests per second for the whole account, all keys together (default ${D.requestsPerSecond}). Over it: 429 rate_limited with Retry-After.`,
  keyRequestsPerSecond: `REST requests per second for each API key of the account (default ${D.keyRequestsPerSecond}).`,
  dailyMessages: `Messages accepted per UTC day, REST and SMPP together (default ${D.dailyMessages}). Over it: 429 daily_quota_exceeded with Retry-After to 00:00 UTC; SMPP ESME_RTHROTTLED.`,
  otpPriority: 'May send with priority "otp" (default false). Without it: 403 otp_priority_not_allowed naming priority; SMPP ESME_RINVPRTFLG.',
  allowedCountries: 'ISO 3166-1 alpha-2 codes the account may send to; null: every country (the default). Others: 403 destination_country_not_allowed; SMPP ESME_RINVDSTADR.',
  blockedNumberTypes: `Destination number types refused (libphonenumber types; default ${D.blockedNumberTypes.join(', ')}): 403 destination_number_type_refused; SMPP ESME_RINVDSTADR.`,
  perNumberPerMinute: `Messages to one number per minute (default ${D.perNumberPerMinute}). Over it: 429 velocity_number_minute; SMPP ESME_RTHROTTLED.`,
  perNumberPerHour: `Messages to one number per hour (default ${D.perNumberPerHour}): 429 velocity_number_hour.`,
  perPrefixPerMinute: `Messages per minute to one block of 1,000 numbers (the number without its last ${PREFIX_DROPPED_DIGITS} digits; default ${D.perPrefixPerMinute}): 429 velocity_prefix_minute.`,
};

export class AccountLimitsView {
  @ApiProperty({ example: D.requestsPerSecond, description: DOCS.requestsPerSecond })
  requestsPerSecond!: number;

  @ApiProperty({ example: D.keyRequestsPerSecond, description: DOCS.keyRequestsPerSecond })
  keyRequestsPerSecond!: number;

  @ApiProperty({ example: D.dailyMessages, description: DOCS.dailyMessages })
  dailyMessages!: number;

  @ApiProperty({ example: false, description: DOCS.otpPriority })
  otpPriority!: boolean;

  @ApiProperty({ type: [String], nullable: true, example: ['US', 'GB'], description: DOCS.allowedCountries })
  allowedCountries!: string[] | null;

  @ApiProperty({ enum: NUMBER_TYPES, isArray: true, example: D.blockedNumberTypes, description: DOCS.blockedNumberTypes })
  blockedNumberTypes!: NumberType[];

  @ApiProperty({ example: D.perNumberPerMinute, description: DOCS.perNumberPerMinute })
  perNumberPerMinute!: number;

  @ApiProperty({ example: D.perNumberPerHour, description: DOCS.perNumberPerHour })
  perNumberPerHour!: number;

  @ApiProperty({ example: D.perPrefixPerMinute, description: DOCS.perPrefixPerMinute })
  perPrefixPerMinute!: number;
}

export class UpdateAccountLimitsDto {
  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: MAX_LIMITS.requestsPerSecond, description: DOCS.requestsPerSecond })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMITS.requestsPerSecond)
  requestsPerSecond?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: MAX_LIMITS.requestsPerSecond, description: DOCS.keyRequestsPerSecond })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMITS.requestsPerSecond)
  keyRequestsPerSecond?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 0, maximum: MAX_LIMITS.dailyMessages, description: DOCS.dailyMessages })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_LIMITS.dailyMessages)
  dailyMessages?: number | null;

  @ApiPropertyOptional({ nullable: true, description: DOCS.otpPriority })
  @IsOptional()
  @IsBoolean()
  otpPriority?: boolean | null;

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['US', 'GB'], description: DOCS.allowedCountries })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(COUNTRIES.length)
  @IsIn(COUNTRIES, { each: true, message: 'allowedCountries must hold ISO 3166-1 alpha-2 codes in capitals, e.g. "US"' })
  allowedCountries?: string[] | null;

  @ApiPropertyOptional({ enum: NUMBER_TYPES, isArray: true, nullable: true, description: DOCS.blockedNumberTypes })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NUMBER_TYPES.length)
  @IsIn(NUMBER_TYPES, { each: true, message: `blockedNumberTypes must hold only: ${NUMBER_TYPES.join(', ')}` })
  blockedNumberTypes?: NumberType[] | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: MAX_LIMITS.perNumber, description: DOCS.perNumberPerMinute })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMITS.perNumber)
  perNumberPerMinute?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: MAX_LIMITS.perNumber, description: DOCS.perNumberPerHour })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMITS.perNumber)
  perNumberPerHour?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: MAX_LIMITS.perNumber, description: DOCS.perPrefixPerMinute })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMITS.perNumber)
  perPrefixPerMinute?: number | null;
}
