import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsString, ValidateIf, ValidateNested } from 'class-validator';

export const MAX_CODEC_PAYLOADS = 1000;
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** A Temporal Payload in proto3 JSON, as the Temporal Web UI and CLI send it to a codec server. */
export class CodecPayload {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', pattern: BASE64_PATTERN }, example: { encoding: 'YmluYXJ5L2VuY3J5cHRlZA==' }, description: 'Metadata: name → base64 value' })
  @IsObject()
  metadata!: Record<string, string>;

  @ApiPropertyOptional({ type: String, pattern: BASE64_PATTERN, description: 'The data, base64' })
  @ValidateIf((_: object, v: unknown) => v !== undefined)
  @IsString()
  data?: string;
}

export class CodecPayloadsDto {
  @ApiProperty({ type: [CodecPayload], maxItems: MAX_CODEC_PAYLOADS })
  @IsArray()
  @ArrayMaxSize(MAX_CODEC_PAYLOADS)
  // Each one an object: a nested array would pass ValidateNested with nothing in it to validate.
  @IsObject({ each: true, message: 'each of payloads must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CodecPayload)
  payloads!: CodecPayload[];
}
