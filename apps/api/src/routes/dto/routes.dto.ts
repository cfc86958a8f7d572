import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { MESSAGE_PRIORITIES, MessagePriority } from '@app/domain';

const RULE_EXAMPLE = {
  id: 'us-otp',
  countries: ['US'],
  priorities: ['otp'],
  strategy: 'quality',
  targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }],
  policy: { maxAttempts: 2, receiptWaitMs: 20000 },
};

export class ReplaceRoutesDto {
  @ApiProperty({
    description:
      'The whole rule set, most specific first is not required: the most specific matching rule wins (longest prefix, network, country, account, priority, sender type). One rule without criteria is the default.',
    example: [RULE_EXAMPLE, { id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] }],
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  rules!: object[];

  @ApiPropertyOptional({ example: 'route US OTP by quality' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  comment?: string;
}

export class RoutesView {
  @ApiProperty({ example: 3 })
  version!: number;

  @ApiProperty({ type: 'array', items: { type: 'object' }, example: [RULE_EXAMPLE] })
  rules!: object[];
}

export class RoutingVersionView {
  @ApiProperty()
  version!: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  comment!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty()
  active!: boolean;

  @ApiProperty()
  ruleCount!: number;
}

export class SimulateRouteDto {
  @ApiProperty({ example: '+14155552671' })
  @IsString()
  @IsNotEmpty()
  to!: string;

  @ApiProperty({ enum: MESSAGE_PRIORITIES, example: 'otp' })
  @IsIn(MESSAGE_PRIORITIES as MessagePriority[])
  priority!: MessagePriority;

  @ApiPropertyOptional({ example: 'Acme', description: 'Sender, for sender-type rules (default: an alphanumeric id)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  from?: string;

  @ApiPropertyOptional({ example: 'Your code is 123456', description: 'Text, to estimate the cost by segments (default: one segment)' })
  @IsOptional()
  @IsString()
  @MaxLength(1600)
  body?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Simulate for this account (account-specific rules)' })
  @IsOptional()
  @IsUUID()
  accountId?: string;
}

export class PlannedCandidateView {
  @ApiProperty({ example: 'alpha' })
  carrierId!: string;

  @ApiProperty({ example: 'cheapest: 0.0042/segment in US' })
  reason!: string;

  @ApiPropertyOptional()
  costPerSegment?: number;

  @ApiPropertyOptional()
  estimatedCost?: number;

  @ApiPropertyOptional()
  score?: number;
}

export class RoutePlanView {
  @ApiProperty()
  routingVersion!: number;

  @ApiProperty()
  ruleId!: string;

  @ApiProperty({ enum: ['priority', 'least_cost', 'weighted', 'quality'] })
  strategy!: string;

  @ApiProperty({ type: String, nullable: true, example: 'US', description: 'ISO country of the destination; null when the number has none' })
  country!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '310260', description: 'Mobile network (MCC+MNC), when a network rule needed a lookup' })
  network!: string | null;

  @ApiProperty({ type: [PlannedCandidateView], description: 'Carriers in the order they would be tried' })
  candidates!: PlannedCandidateView[];

  @ApiProperty({ type: 'array', items: { type: 'object' }, example: [{ carrierId: 'gamma', reason: 'disabled' }] })
  skipped!: { carrierId: string; reason: string }[];

  @ApiProperty({ type: Object, example: { maxAttempts: 3, receiptWaitMs: 30000, backoff: { initialMs: 1000, maxMs: 5000, multiplier: 2 }, voiceFallback: true } })
  policy!: object;
}
