import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, ValidateIf } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '@app/db';
import { present } from '../../common/present';


export class CreateOAuthClientDto {
  @ApiProperty({ example: 'billing backend', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, example: ['messages'], description: 'Scopes its tokens may carry (at most those of the key making it)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({ type: [String], maxItems: 100, example: ['203.0.113.0/24'], description: 'Client addresses its tokens may be used from (and the token endpoint called from); empty: any' })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  allowedIps?: string[];
}

export class OAuthClientView {
  @ApiProperty({ format: 'uuid', description: 'The client_id' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES })
  scopes!: ApiKeyScope[];

  @ApiProperty({ type: [String] })
  allowedIps!: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;
}

export class CreatedOAuthClientView extends OAuthClientView {
  @ApiProperty({ description: 'The client_secret, shown this once: only its hash is stored' })
  clientSecret!: string;
}

export class OAuthClientListView {
  @ApiProperty({ type: [OAuthClientView] })
  items!: OAuthClientView[];
}

/** RFC 6749 §4.4.2 (form or JSON). */
export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] })
  grant_type!: string;

  @ApiPropertyOptional({ description: 'With client_secret, unless sent as HTTP Basic authentication' })
  client_id?: string;

  @ApiPropertyOptional()
  client_secret?: string;

  @ApiPropertyOptional({ example: 'messages', description: 'Space-separated scopes, within the client’s; absent: all of them' })
  scope?: string;
}

/** RFC 6749 §5.1 */
export class TokenView {
  @ApiProperty({ description: 'A signed JWT; send it as Authorization: Bearer …' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ example: 900 })
  expires_in!: number;

  @ApiProperty({ example: 'messages' })
  scope!: string;
}

/** RFC 6749 §5.2 */
export class OAuthErrorView {
  @ApiProperty({ enum: ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope'] })
  error!: string;

  @ApiProperty()
  error_description!: string;
}
