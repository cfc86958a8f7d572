import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export const MAX_AUDIT_PAGE = 200;

export class AuditQueryDto {
  @ApiPropertyOptional({ example: 'api_key.revoke', description: 'Only this action (api_key.create, api_key.update, api_key.revoke, api_key.rotate, limits.update, smpp_credential.*, routes.activate, carrier.*)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'api_key', description: 'Only changes of this kind of thing' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetType?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Changes at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Changes before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Operator keys only: the changes of this account (absent: every account). Other keys always see their own account.' })
  @IsOptional()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: 'csv: every matching change (not paged), streamed as text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class AuditEventView {
  @ApiProperty({ example: '1042' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The account the change concerns' })
  accountId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The API key that made the change' })
  actorKeyId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7', description: 'The client address it came from' })
  actorIp!: string | null;

  @ApiProperty({ example: 'api_key.revoke' })
  action!: string;

  @ApiProperty({ example: 'api_key' })
  targetType!: string;

  @ApiProperty({ type: String, nullable: true })
  targetId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The state before (secrets never included)' })
  before!: unknown;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The state after (secrets never included)' })
  after!: unknown;
}

export class AuditListView {
  @ApiProperty({ type: [AuditEventView] })
  items!: AuditEventView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next (older) page; null on the last' })
  nextCursor!: string | null;
}
