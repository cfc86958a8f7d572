import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { CARRIER_KIND_NAMES, CarrierKindName, isCarrierKindName, SMPP_CONCATENATIONS, SMPP_MULTIPART_RECEIPTS, SmppConcatenation } from '@app/carriers';

/** A carrier kind of the registry (libs/carriers/src/registry.ts). */
function IsCarrierKind(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCarrierKind',
      validator: {
        validate: (value) => isCarrierKindName(value),
        defaultMessage: (args) => `${args?.property ?? 'type'} must be one of the following values: ${CARRIER_KIND_NAMES.join(', ')}`,
      },
    },
    options,
  );
}

/** Connection settings; credentials are write-only (stored sealed, never returned). */
export class CarrierConnectionDto {
  @ApiPropertyOptional({ example: 'smsc.carrier.example', description: 'SMPP host' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  host?: string;

  @ApiPropertyOptional({ example: 2775, description: 'SMPP port' })
  @IsOptional()
  @IsInt()
  port?: number;

  @ApiPropertyOptional({ example: 'acme', description: 'SMPP system_id' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  systemId?: string;

  @ApiPropertyOptional({ description: 'SMPP system_type' })
  @IsOptional()
  @IsString()
  @MaxLength(13)
  systemType?: string;

  @ApiPropertyOptional({ example: 'SMPP password (write-only)', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  password?: string;

  @ApiPropertyOptional({ example: 'https://api.carrier.example/v1', description: 'HTTP carrier base URL' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ description: 'HTTP carrier Bearer token (write-only)', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  token?: string;

  @ApiPropertyOptional({
    enum: SMPP_CONCATENATIONS,
    default: 'udh8',
    description:
      'SMPP: how a text longer than one segment is sent. udh8/udh16: one submit_sm per part with a concatenation UDH (8- or 16-bit reference); sar: SAR TLVs; payload: the whole text in message_payload for the carrier to split',
  })
  @IsOptional()
  @IsIn(SMPP_CONCATENATIONS)
  concatenation?: SmppConcatenation;

  @ApiPropertyOptional({ enum: SMPP_MULTIPART_RECEIPTS, default: 'each', description: 'SMPP: the carrier sends receipts for each part of a concatenated message, or for the first part only' })
  @IsOptional()
  @IsIn(SMPP_MULTIPART_RECEIPTS)
  multipartReceipts?: 'each' | 'first';

  @ApiPropertyOptional({ default: false, description: 'SMPP: connect over TLS (the carrier\'s TLS port, often 3550); false turns TLS and its options off' })
  @IsOptional()
  @IsBoolean()
  tls?: boolean;

  @ApiPropertyOptional({ description: 'SMPP with tls: PEM CA certificate(s) the carrier\'s certificate must chain to, instead of the system\'s roots' })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  tlsCa?: string;

  @ApiPropertyOptional({ example: 'smsc.carrier.example', description: 'SMPP with tls: the name the carrier\'s certificate must carry, when it is not host' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  tlsServername?: string;

  @ApiPropertyOptional({ default: true, description: 'SMPP with tls: false accepts any certificate (encryption without authentication; a carrier\'s test system only)' })
  @IsOptional()
  @IsBoolean()
  tlsRejectUnauthorized?: boolean;

  @ApiPropertyOptional({ default: false, description: 'HTTP: refuse anything but an https url, and never follow a redirect' })
  @IsOptional()
  @IsBoolean()
  requireTls?: boolean;

  @ApiPropertyOptional({ example: 10, description: 'Outstanding submits per bind' })
  @IsOptional()
  @IsInt()
  window?: number;
}

/** What operators set on any carrier, besides its connection. */
export class UpdateCarrierDto extends CarrierConnectionDto {
  @ApiPropertyOptional({ description: 'A disabled carrier is never routed to' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: { US: 0.0042, GB: 0.031, '*': 0.05 }, description: "Price per segment by ISO country; '*' for every other country" })
  @IsOptional()
  @IsObject()
  costs?: Record<string, number>;

  @ApiPropertyOptional({ nullable: true, type: Number, example: 50, description: 'Messages per second the carrier accepts; null removes the limit' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(100000)
  maxTps?: number | null;
}

export class CreateCarrierDto extends UpdateCarrierDto {
  @ApiProperty({ example: 'delta', description: 'Lowercase letters, digits, - or _' })
  @IsString()
  id!: string;

  @ApiProperty({ enum: CARRIER_KIND_NAMES })
  @IsCarrierKind()
  type!: CarrierKindName;
}

export class CarrierView {
  @ApiProperty({ example: 'alpha' })
  id!: string;

  @ApiProperty({ enum: CARRIER_KIND_NAMES })
  connectorType!: string;

  @ApiProperty({ example: '127.0.0.1:2776' })
  endpoint!: string;

  @ApiProperty()
  systemId!: string;

  @ApiProperty({ description: 'Failover order in the default rule (0 first)' })
  priority!: number;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ example: { US: 0.0042, '*': 0.05 } })
  costs!: Record<string, number>;

  @ApiPropertyOptional({ nullable: true, type: Number })
  maxTps!: number | null;

  @ApiProperty({ description: 'Outstanding submit_sm allowed per bind' })
  window!: number;

  @ApiProperty({ enum: ['bound', 'connecting', 'down', 'closed'] })
  bindState!: string;

  @ApiProperty({ enum: ['closed', 'open', 'half_open'], description: 'Circuit breaker: open = skipped by routing' })
  circuit!: string;

  @ApiProperty({ enum: ['config', 'api'], description: 'config: defined by the CARRIERS setting (its connection cannot be edited here)' })
  source!: string;

  @ApiProperty({ description: 'Credentials are stored sealed and never returned' })
  hasCredentials!: boolean;

  @ApiPropertyOptional({ nullable: true, type: String })
  lastError!: string | null;
}

export class HealthWindowView {
  @ApiProperty()
  attempts!: number;

  @ApiProperty({ description: "Attempts that failed through the carrier's fault" })
  failures!: number;

  @ApiProperty()
  delivered!: number;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Delivered / attempts with a final receipt' })
  deliveryRate!: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number })
  receiptLatencyP50Ms!: number | null;
}

export class CountryHealthView extends HealthWindowView {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'US' })
  country!: string | null;
}

export class CarrierHealthView {
  @ApiProperty()
  carrierId!: string;

  @ApiProperty({ enum: ['bound', 'connecting', 'down', 'closed'] })
  bindState!: string;

  @ApiProperty({ example: { state: 'open', since: '2026-11-25T08:00:00.000Z', reason: '5 of the last 6 attempts failed' } })
  circuit!: { state: string; since: string; reason: string | null };

  @ApiProperty({ type: HealthWindowView, description: 'The circuit breaker window (CIRCUIT_WINDOW_SECONDS)' })
  window!: HealthWindowView;

  @ApiProperty({ type: [CountryHealthView], description: 'Last 15 minutes per destination country (quality routing)' })
  byCountry!: CountryHealthView[];
}
