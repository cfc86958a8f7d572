// Requests and answers of /v1/verifications. No answer ever carries a code.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CheckStatus, VERIFICATION_CHANNELS, VerificationChannel, VerificationStatus } from '@app/contracts';
import { CODE_LENGTH, VERIFY_LOCALES, VerifyLocale } from '@app/domain';

const STATUSES: VerificationStatus[] = ['pending', 'approved', 'expired', 'max_attempts', 'cancelled'];
const CHECK_STATUSES: CheckStatus[] = ['approved', 'pending', 'denied', 'expired', 'max_attempts'];

export class StartVerificationDto {
  @ApiProperty({ example: '+14155552671', description: 'The number to verify, in E.164' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  to!: string;

  @ApiProperty({ enum: VERIFICATION_CHANNELS, example: 'sms', description: 'sms: a text (failing over to the next carrier, then a voice call, as the otp route says); voice: a call that reads the code out' })
  @IsIn(VERIFICATION_CHANNELS, { message: `channel must be one of ${VERIFICATION_CHANNELS.join(', ')}` })
  channel!: VerificationChannel;

  @ApiPropertyOptional({ enum: VERIFY_LOCALES, description: "Language of the text and the call (default: the account's verify setting defaultLocale, en)" })
  @IsOptional()
  @IsIn(VERIFY_LOCALES, { message: `locale must be one of ${VERIFY_LOCALES.join(', ')}` })
  locale?: VerifyLocale;

  @ApiPropertyOptional({ minimum: CODE_LENGTH.min, maximum: CODE_LENGTH.max, description: "Digits in the code (default: the account's verify setting codeLength, 6)" })
  @IsOptional()
  @IsInt()
  @Min(CODE_LENGTH.min)
  @Max(CODE_LENGTH.max)
  codeLength?: number;

  @ApiPropertyOptional({ example: 'Your Acme code is {code}', maxLength: 160, description: "SMS text for this verification, with {code} once (and {minutes} if wanted); must fit one segment. Default: the account's template, else the locale's" })
  @IsOptional()
  @IsString()
  @MaxLength(160)
  template?: string;
}

export class CheckVerificationDto {
  @ApiProperty({ example: '123456', description: 'The code the user typed' })
  @IsString()
  @Matches(/^[0-9]{4,10}$/, { message: 'code must be 4 to 10 digits' })
  code!: string;
}

export class ResendVerificationDto {
  @ApiPropertyOptional({ enum: VERIFICATION_CHANNELS, description: 'Channel of this send (default: the last one used)' })
  @IsOptional()
  @IsIn(VERIFICATION_CHANNELS, { message: `channel must be one of ${VERIFICATION_CHANNELS.join(', ')}` })
  channel?: VerificationChannel;
}

export class VerificationView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '+14155552671' })
  to!: string;

  @ApiProperty({ enum: VERIFICATION_CHANNELS, description: 'Channel of the latest send' })
  channel!: VerificationChannel;

  @ApiProperty({ enum: STATUSES })
  status!: VerificationStatus;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ description: 'Checks made' })
  checks!: number;

  @ApiProperty({ description: 'Codes sent (the first included)' })
  sends!: number;

  @ApiProperty({ type: [String], description: 'The messages that carried the code (GET /v1/messages/:id shows each one\'s carriers, receipts and call)' })
  messageIds!: string[];

  @ApiProperty({ nullable: true, type: String, description: "Carrier of the latest message once the verification ended ('voice' for a call): its conversion record" })
  carrierId!: string | null;

  @ApiProperty({ example: 'verify-5f0c…', description: 'Temporal workflow id (Web UI)' })
  workflowId!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CheckResultView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: CHECK_STATUSES,
    description: 'approved: the code is right (it is single-use); pending: wrong, checks are left; max_attempts: no checks left; expired: too late; denied: cancelled, replaced by a newer verification, or already approved',
  })
  status!: CheckStatus;
}
