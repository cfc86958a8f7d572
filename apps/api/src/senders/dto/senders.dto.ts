import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REGISTRATION_STATUSES, type RegistrationStatus } from '@app/domain';
import { AccountNumberView } from '../../numbers/dto/number.dto';

const COUNTRY = /^[A-Z]{2}$/;
const COUNTRY_MESSAGE = 'country must be an ISO 3166-1 alpha-2 code such as HR';
export const MAX_POOL_NUMBERS = 100;

export class GrantSenderIdDto {
  @ApiProperty({ example: 'Acme', description: 'Alphanumeric sender ID: 1–11 letters, digits and spaces, at least one letter. Matched without regard to case' })
  @IsString()
  @MaxLength(11)
  senderId!: string;
}

export class SetRegistrationDto {
  @ApiProperty({ enum: REGISTRATION_STATUSES, description: 'approved lets the account send from the sender ID to this country (where registration is required)' })
  @IsIn(REGISTRATION_STATUSES, { message: `status must be one of ${REGISTRATION_STATUSES.join(', ')}` })
  status!: RegistrationStatus;

  @ApiPropertyOptional({ example: 'HAKOM ref 2026/1234', description: 'Free text: a reference or the reason for a rejection' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class RequestRegistrationDto {
  @ApiProperty({ example: 'HR', description: 'ISO 3166-1 alpha-2 country to register the sender ID in' })
  @Matches(COUNTRY, { message: COUNTRY_MESSAGE })
  country!: string;
}

export class RegistrationView {
  @ApiProperty({ example: 'HR' })
  country!: string;

  @ApiProperty({ enum: REGISTRATION_STATUSES })
  status!: RegistrationStatus;

  @ApiProperty({ nullable: true, type: String })
  note!: string | null;

  @ApiProperty({ format: 'date-time' })
  requestedAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class SenderIdView {
  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ example: 'Acme' })
  senderId!: string;

  @ApiProperty({ type: [RegistrationView], description: 'Registration status per country' })
  registrations!: RegistrationView[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreateSenderPoolDto {
  @ApiProperty({ example: 'support', description: 'Unique within the account; POST /v1/messages takes it as senderPool' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'name must be 1–64 letters, digits, dots, dashes or underscores' })
  name!: string;

  @ApiProperty({ type: [String], example: ['+14155550100', '+14155550101'], description: `Numbers (E.164 or short codes) the account holds: 1 to ${MAX_POOL_NUMBERS}` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_POOL_NUMBERS)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  numbers!: string[];
}

export class SenderPoolView {
  @ApiProperty({ example: 'support' })
  name!: string;

  @ApiProperty({ type: [String], example: ['+14155550100', '+14155550101'] })
  numbers!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class HeldSendersView {
  @ApiProperty({ type: [AccountNumberView], description: 'Long and short codes the account holds' })
  numbers!: AccountNumberView[];

  @ApiProperty({ type: [SenderIdView], description: 'Alphanumeric sender IDs the account holds, with their registrations' })
  senderIds!: SenderIdView[];

  @ApiProperty({ type: [SenderPoolView] })
  pools!: SenderPoolView[];

  @ApiProperty({ type: [String], example: ['HR', 'IN'], description: 'Countries where an alphanumeric sender ID must be approved before it is used' })
  registrationCountries!: string[];
}
