import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { NUMBER_CAPABILITIES, NUMBER_KINDS, type NumberKind } from '@app/domain';

const CAPABILITIES_DESCRIPTION = `What the number may be used for: ${NUMBER_CAPABILITIES.join(', ')}. Sending needs sms; inbound SMS reach the account either way`;

export class AssignNumberDto {
  @ApiProperty({
    example: '+447400123456',
    description: 'A long code in E.164 (separators are ignored; it is stored normalised) or a short code of 3–8 digits (then country is required)',
  })
  @IsString()
  @MaxLength(32)
  number!: string;

  @ApiProperty({ format: 'uuid', description: 'The account that holds the number: it may send from it and receives inbound SMS sent to it' })
  @IsUUID()
  accountId!: string;

  @ApiPropertyOptional({ example: 'GB', description: 'ISO 3166-1 alpha-2. Required for a short code (it sends only to numbers of this country); for a long code it is taken from the number' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as GB' })
  country?: string;

  @ApiPropertyOptional({ example: 'alpha', description: 'The carrier the number is provisioned with' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  carrierId?: string;

  @ApiPropertyOptional({ type: [String], enum: NUMBER_CAPABILITIES, default: ['sms', 'inbound'], description: CAPABILITIES_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NUMBER_CAPABILITIES.length)
  @ArrayUnique()
  @IsIn(NUMBER_CAPABILITIES, { each: true, message: `capabilities must be among ${NUMBER_CAPABILITIES.join(', ')}` })
  capabilities?: string[];
}

export class UpdateNumberDto {
  @ApiPropertyOptional({ example: 'beta', nullable: true, description: 'The carrier the number is provisioned with; null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  carrierId?: string | null;

  @ApiPropertyOptional({ type: [String], enum: NUMBER_CAPABILITIES, description: CAPABILITIES_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NUMBER_CAPABILITIES.length)
  @ArrayUnique()
  @IsIn(NUMBER_CAPABILITIES, { each: true, message: `capabilities must be among ${NUMBER_CAPABILITIES.join(', ')}` })
  capabilities?: string[];
}

export class AccountNumberView {
  @ApiProperty({ example: '+447400123456', description: 'E.164, or the digits of a short code' })
  number!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ enum: NUMBER_KINDS })
  kind!: NumberKind;

  @ApiProperty({ example: 'GB', nullable: true, type: String })
  country!: string | null;

  @ApiProperty({ example: 'alpha', nullable: true, type: String })
  carrierId!: string | null;

  @ApiProperty({ type: [String], example: ['sms', 'inbound'] })
  capabilities!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
