// An account's verification settings (libs/domain/src/verify.ts has the defaults). In a change,
// a field left out stays as it is and `null` returns it to the default.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { getCountries } from 'libphonenumber-js/max';
import { CODE_LENGTH, DEFAULT_VERIFY_SETTINGS as D, VERIFY_LOCALES, VerifyLocale } from '@app/domain';

const COUNTRIES = getCountries() as string[];
const BIG = 1_000_000;

const DOCS = {
  sender: `from of the code's text and call (default "${D.sender}")`,
  defaultLocale: `Locale when a verification names none (default ${D.defaultLocale})`,
  template: 'SMS text with {code} once ({minutes} optional), one segment; null: the locale\'s text (default)',
  codeLength: `Digits per code (default ${D.codeLength})`,
  expiryMinutes: `Minutes a verification can be checked (default ${D.expiryMinutes})`,
  maxChecks: `Checks per verification (default ${D.maxChecks}); the next is refused with max_attempts`,
  maxSends: `Codes sent per verification, the first included (default ${D.maxSends}); more: 409 verify_max_sends`,
  resendCooldownSeconds: `Least time between two sends (default ${D.resendCooldownSeconds}); sooner: 429 verify_resend_cooldown with Retry-After`,
  keepCodeOnResend: `A resend sends the same code (true, default) or a new one (false: the previous code stops working)`,
  allowedCountries: 'ISO 3166-1 alpha-2 codes that may be verified; null: every country the account may send to (default). Others: 403 verify_country_not_allowed',
  perNumberPerHour: `Verifications started per hour to one number (default ${D.perNumberPerHour}): 429 verify_velocity_number`,
  perPrefixPerHour: `Verifications started per hour to one block of 1,000 numbers (default ${D.perPrefixPerHour}): 429 verify_velocity_prefix`,
  perAccountPerHour: `Verifications started per hour by the account (default ${D.perAccountPerHour}): 429 verify_velocity_account`,
  conversionMinStarts: `Conversion guard: finished verifications of a number block in the last hour before the guard judges it (default ${D.conversionMinStarts})`,
  conversionMinRate: `Conversion guard: a block whose share of approved verifications is below this is refused for 15 minutes (429 verify_conversion_guard); 0 turns the guard off (default ${D.conversionMinRate})`,
};

export class VerifySettingsView {
  @ApiProperty({ example: D.sender, description: DOCS.sender })
  sender!: string;
  @ApiProperty({ enum: VERIFY_LOCALES, description: DOCS.defaultLocale })
  defaultLocale!: VerifyLocale;
  @ApiProperty({ type: String, nullable: true, description: DOCS.template })
  template!: string | null;
  @ApiProperty({ example: D.codeLength, description: DOCS.codeLength })
  codeLength!: number;
  @ApiProperty({ example: D.expiryMinutes, description: DOCS.expiryMinutes })
  expiryMinutes!: number;
  @ApiProperty({ example: D.maxChecks, description: DOCS.maxChecks })
  maxChecks!: number;
  @ApiProperty({ example: D.maxSends, description: DOCS.maxSends })
  maxSends!: number;
  @ApiProperty({ example: D.resendCooldownSeconds, description: DOCS.resendCooldownSeconds })
  resendCooldownSeconds!: number;
  @ApiProperty({ example: D.keepCodeOnResend, description: DOCS.keepCodeOnResend })
  keepCodeOnResend!: boolean;
  @ApiProperty({ type: [String], nullable: true, description: DOCS.allowedCountries })
  allowedCountries!: string[] | null;
  @ApiProperty({ example: D.perNumberPerHour, description: DOCS.perNumberPerHour })
  perNumberPerHour!: number;
  @ApiProperty({ example: D.perPrefixPerHour, description: DOCS.perPrefixPerHour })
  perPrefixPerHour!: number;
  @ApiProperty({ example: D.perAccountPerHour, description: DOCS.perAccountPerHour })
  perAccountPerHour!: number;
  @ApiProperty({ example: D.conversionMinStarts, description: DOCS.conversionMinStarts })
  conversionMinStarts!: number;
  @ApiProperty({ example: D.conversionMinRate, description: DOCS.conversionMinRate })
  conversionMinRate!: number;
}

export class UpdateVerifySettingsDto {
  @ApiPropertyOptional({ nullable: true, maxLength: 16, description: DOCS.sender })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(16)
  sender?: string | null;

  @ApiPropertyOptional({ nullable: true, enum: VERIFY_LOCALES, description: DOCS.defaultLocale })
  @IsOptional()
  @IsIn(VERIFY_LOCALES, { message: `defaultLocale must be one of ${VERIFY_LOCALES.join(', ')}` })
  defaultLocale?: VerifyLocale | null;

  @ApiPropertyOptional({ nullable: true, maxLength: 160, description: DOCS.template })
  @IsOptional()
  @IsString()
  @MaxLength(160)
  template?: string | null;

  @ApiPropertyOptional({ nullable: true, minimum: CODE_LENGTH.min, maximum: CODE_LENGTH.max, description: DOCS.codeLength })
  @IsOptional()
  @IsInt()
  @Min(CODE_LENGTH.min)
  @Max(CODE_LENGTH.max)
  codeLength?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 60, description: DOCS.expiryMinutes })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  expiryMinutes?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 20, description: DOCS.maxChecks })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  maxChecks?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 10, description: DOCS.maxSends })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxSends?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 0, maximum: 3600, description: DOCS.resendCooldownSeconds })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  resendCooldownSeconds?: number | null;

  @ApiPropertyOptional({ nullable: true, description: DOCS.keepCodeOnResend })
  @IsOptional()
  @IsBoolean()
  keepCodeOnResend?: boolean | null;

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['HR', 'US'], description: DOCS.allowedCountries })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(COUNTRIES.length)
  @IsIn(COUNTRIES, { each: true, message: 'allowedCountries must hold ISO 3166-1 alpha-2 codes in capitals, e.g. "US"' })
  allowedCountries?: string[] | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: BIG, description: DOCS.perNumberPerHour })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BIG)
  perNumberPerHour?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: BIG, description: DOCS.perPrefixPerHour })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BIG)
  perPrefixPerHour?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: BIG, description: DOCS.perAccountPerHour })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BIG)
  perAccountPerHour?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: BIG, description: DOCS.conversionMinStarts })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BIG)
  conversionMinStarts?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 0, maximum: 1, description: DOCS.conversionMinRate })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  conversionMinRate?: number | null;
}
