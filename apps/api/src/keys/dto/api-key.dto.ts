import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '@app/db';
import { present } from '../../common/present';

export const MAX_KEY_ALLOWED_IPS = 100;
/** A rotation's old key works for at most this long after the new one is made. */
export const MAX_OVERLAP_SECONDS = 30 * 86_400;
export const DEFAULT_OVERLAP_SECONDS = 86_400;


const SCOPES_DESCRIPTION =
  'What the key may do: messages (send and read), smpp (SMPP credentials), keys (this account’s API keys), operator (the control plane). A key can only give scopes it holds itself.';
const ALLOWED_IPS_DESCRIPTION = 'Client addresses the key may be used from: IPv4/IPv6 addresses or CIDR blocks. Empty (the default): any address. Other addresses get 403 ip_not_allowed.';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing service', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, example: ['messages'], description: SCOPES_DESCRIPTION })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-06-30T00:00:00Z', description: 'When the key stops working (in the future). Absent: never.' })
  @ValidateIf(present)
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_KEY_ALLOWED_IPS, example: ['203.0.113.0/24'], description: ALLOWED_IPS_DESCRIPTION })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(MAX_KEY_ALLOWED_IPS)
  @IsString({ each: true })
  allowedIps?: string[];
}

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ example: 'billing service (eu)', minLength: 1, maxLength: 100 })
  @ValidateIf(present)
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_KEY_ALLOWED_IPS, example: ['203.0.113.0/24'], description: ALLOWED_IPS_DESCRIPTION })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(MAX_KEY_ALLOWED_IPS)
  @IsString({ each: true })
  allowedIps?: string[];
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_OVERLAP_SECONDS,
    default: DEFAULT_OVERLAP_SECONDS,
    description: 'How long the old key keeps working after the new one is made (never longer than it would have anyway). 0: it stops at once.',
  })
  @ValidateIf(present)
  @IsInt()
  @Min(0)
  @Max(MAX_OVERLAP_SECONDS)
  overlapSeconds?: number;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'billing service' })
  name!: string;

  @ApiProperty({ example: 'sk_Q2xhc3', description: 'The first characters of the key, to recognise it; the key itself is shown only when made' })
  prefix!: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES })
  scopes!: ApiKeyScope[];

  @ApiProperty({ type: [String], description: ALLOWED_IPS_DESCRIPTION })
  allowedIps!: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it stops (or stopped) working: set at creation, or by a rotation' })
  expiresAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last request made with it (to the minute)' })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The key this one replaced by a rotation' })
  rotatedFrom!: string | null;

  @ApiProperty({ enum: ['active', 'expired', 'revoked'] })
  status!: 'active' | 'expired' | 'revoked';
}

export class ApiKeyListView {
  @ApiProperty({ type: [ApiKeyView] })
  items!: ApiKeyView[];
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ example: 'sk_Q2xhc3NpZmllZA…', description: 'The key, shown this once: only its hash is stored' })
  key!: string;
}

export class RotatedApiKeyView extends CreatedApiKeyView {
  @ApiProperty({ type: ApiKeyView, description: 'The old key, now with its overlap expiry' })
  replaced!: ApiKeyView;
}
