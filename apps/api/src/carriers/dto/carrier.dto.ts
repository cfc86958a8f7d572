import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsOptional, Max, Min, ValidateIf } from 'class-validator';

export class UpdateCarrierDto {
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

export class CarrierView {
  @ApiProperty({ example: 'alpha' })
  id!: string;

  @ApiProperty({ enum: ['smpp'] })
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

  @ApiPropertyOptional({ nullable: true, type: String })
  lastError!: string | null;
}
