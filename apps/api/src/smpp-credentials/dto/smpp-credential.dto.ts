import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** SMPP 3.4 system_id: a C-Octet String of at most 16 octets, NUL included. */
export const SYSTEM_ID_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
export const MAX_ALLOWED_IPS = 100;

const ALLOWED_IPS_DESCRIPTION =
  'Source addresses allowed to bind: IPv4/IPv6 addresses or CIDR blocks (e.g. 203.0.113.0/24, 2001:db8::/32). Empty: any address.';

/** Limits the SMPP gateway enforces per system_id; every field optional on update. */
export class UpdateSmppCredentialDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, example: 4, description: 'Simultaneous binds allowed for this system_id' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxBinds?: number;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_ALLOWED_IPS, example: ['203.0.113.0/24', '198.51.100.7'], description: ALLOWED_IPS_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_IPS)
  @IsString({ each: true })
  allowedIps?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, example: 100, description: 'submit_sm accepted per second for this system_id; more are answered ESME_RTHROTTLED' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  throughputPerSecond?: number;

  @ApiPropertyOptional({ description: 'A disabled credential cannot bind (ESME_RBINDFAIL)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateSmppCredentialDto extends UpdateSmppCredentialDto {
  @ApiPropertyOptional({
    example: 'acme1',
    minLength: 1,
    maxLength: 15,
    pattern: SYSTEM_ID_PATTERN.source,
    description: 'The system_id the ESME binds with: 1 to 15 letters, digits, _ - or . , unique across all accounts. Generated when omitted.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(15)
  @Matches(SYSTEM_ID_PATTERN, { message: 'systemId must be 1 to 15 letters, digits, _, - or .' })
  systemId?: string;
}

export class SmppCredentialView {
  @ApiProperty({ example: 'acme1' })
  systemId!: string;

  @ApiProperty({ example: 4 })
  maxBinds!: number;

  @ApiProperty({ type: [String], example: ['203.0.113.0/24'], description: ALLOWED_IPS_DESCRIPTION })
  allowedIps!: string[];

  @ApiProperty({ example: 100 })
  throughputPerSecond!: number;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CreatedSmppCredentialView extends SmppCredentialView {
  @ApiProperty({ example: 'Xk3mP9qa', minLength: 8, maxLength: 8, description: "The password (8 characters, SMPP 3.4's maximum). Shown this once; only a hash is stored." })
  password!: string;
}

export class SmppPasswordView {
  @ApiProperty({ example: 'acme1' })
  systemId!: string;

  @ApiProperty({ example: 'Xk3mP9qa', minLength: 8, maxLength: 8, description: 'The new password, shown this once; binds from now on need it.' })
  password!: string;
}
