import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { SMPP_DEFAULT_ALPHABETS, type SmppDefaultAlphabet } from '@app/db';
import { present } from '../../common/present';

/** SMPP 3.4 system_id: a C-Octet String of at most 16 octets, NUL included. */
export const SYSTEM_ID_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
export const MAX_ALLOWED_IPS = 100;

const ALLOWED_IPS_DESCRIPTION =
  'Source addresses allowed to bind: IPv4/IPv6 addresses or CIDR blocks (e.g. 203.0.113.0/24, 2001:db8::/32). Empty: any address.';

const DEFAULT_COUNTRY_DESCRIPTION =
  'ISO 3166-1 alpha-2 country of numbers sent without country code: dest_addr_ton 2 (national), and dest_addr_ton 0 numbers that are not valid international numbers. null (the default): none, TON 2 is refused with ESME_RINVDSTTON.';
const DEFAULT_ALPHABET_DESCRIPTION =
  'How data_coding 0 (the "SMSC default alphabet") is read: gsm (GSM 03.38, the default), ascii (IA5, as many ESME libraries send plain text) or latin1 (ISO-8859-1).';


/** Limits the SMPP gateway enforces per system_id, and interop settings; every field optional on update. */
export class UpdateSmppCredentialDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, example: 4, description: "Simultaneous binds allowed for this system_id (at most the account's maxBinds ceiling)" })
  @ValidateIf(present)
  @IsInt()
  @Min(1)
  @Max(100)
  maxBinds?: number;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_ALLOWED_IPS, example: ['203.0.113.0/24', '198.51.100.7'], description: ALLOWED_IPS_DESCRIPTION })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_IPS)
  @IsString({ each: true })
  allowedIps?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10000,
    example: 100,
    description: "submit_sm accepted per second for this system_id (at most the account's ceiling, which also bounds all credentials together); more are answered ESME_RTHROTTLED",
  })
  @ValidateIf(present)
  @IsInt()
  @Min(1)
  @Max(10000)
  throughputPerSecond?: number;

  @ApiPropertyOptional({ description: 'A disabled credential cannot bind (ESME_RBINDFAIL); its open sessions are unbound' })
  @ValidateIf(present)
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'GB', pattern: '^[A-Z]{2}$', description: DEFAULT_COUNTRY_DESCRIPTION })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'defaultCountry must be an ISO 3166-1 alpha-2 code in capitals, such as GB' })
  defaultCountry?: string | null;

  @ApiPropertyOptional({ enum: SMPP_DEFAULT_ALPHABETS, example: 'gsm', description: DEFAULT_ALPHABET_DESCRIPTION })
  @ValidateIf(present)
  @IsIn(SMPP_DEFAULT_ALPHABETS)
  defaultAlphabet?: SmppDefaultAlphabet;
}

export class CreateSmppCredentialDto extends UpdateSmppCredentialDto {
  @ApiPropertyOptional({
    example: 'acme1',
    minLength: 1,
    maxLength: 15,
    pattern: SYSTEM_ID_PATTERN.source,
    description: 'The system_id the ESME binds with: 1 to 15 letters, digits, _ - or . , unique across all accounts. Generated when omitted.',
  })
  @ValidateIf(present)
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

  @ApiProperty({ type: String, nullable: true, example: 'GB', description: DEFAULT_COUNTRY_DESCRIPTION })
  defaultCountry!: string | null;

  @ApiProperty({ enum: SMPP_DEFAULT_ALPHABETS, example: 'gsm', description: DEFAULT_ALPHABET_DESCRIPTION })
  defaultAlphabet!: SmppDefaultAlphabet;

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

/** An account's SMPP ceilings, set by operators. */
export class SmppAccountLimitsDto {
  @ApiProperty({ minimum: 1, maximum: 100000, example: 500, description: "submit_sm per second for all the account's credentials together" })
  @IsInt()
  @Min(1)
  @Max(100000)
  maxThroughputPerSecond!: number;

  @ApiProperty({ minimum: 1, maximum: 1000, example: 8, description: "Simultaneous binds of all the account's credentials together" })
  @IsInt()
  @Min(1)
  @Max(1000)
  maxBinds!: number;
}

export class SmppAccountLimitsView extends SmppAccountLimitsDto {
  @ApiProperty({ description: 'false: no operator set them, these are the defaults' })
  custom!: boolean;
}
