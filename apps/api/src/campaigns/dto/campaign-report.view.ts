// The answer of GET /v1/campaigns/:id/report: every figure counted from the campaign's rows.
import { ApiProperty } from '@nestjs/swagger';
import type { CampaignStatus } from '@app/contracts';

export class LatencyView {
  @ApiProperty({ nullable: true, type: Number, example: 850, description: 'Milliseconds from submit to the delivered receipt' }) median!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 2100 }) p95!: number | null;
}

export class CountryReportView {
  @ApiProperty({ nullable: true, type: String, example: 'HR' }) country!: string | null;
  @ApiProperty() sent!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cost!: number;
}

export class CarrierReportView {
  @ApiProperty({ example: 'alpha' }) carrierId!: string;
  @ApiProperty({ description: 'Attempts made on this carrier (a failed-over message counts on each)' }) attempts!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty({ description: 'Attempts that did not deliver' }) failed!: number;
  @ApiProperty() cost!: number;
  @ApiProperty({ type: LatencyView }) receiptLatencyMs!: LatencyView;
}

export class CampaignReportView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['draft', 'scheduled', 'running', 'paused', 'sending', 'completed', 'cancelled'] }) status!: CampaignStatus;
  @ApiProperty({ description: 'Messages handed to delivery and not cancelled' }) sent!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty({ description: 'Not final yet' }) inFlight!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { undeliverable: 3, carrier_rejected: 1 } }) failedByCode!: Record<string, number>;
  @ApiProperty() optedOut!: number;
  @ApiProperty({ description: 'Marketing recipients without consent' }) noConsent!: number;
  @ApiProperty({ description: 'Held by quiet hours past the validity' }) expired!: number;
  @ApiProperty({ description: 'Personalized text unusable' }) invalid!: number;
  @ApiProperty({ description: 'Sum over every attempt a carrier took: segments × its price for the country (carrier costs)' }) cost!: number;
  @ApiProperty({ description: 'Attempts on a carrier without a price for the country (not in cost)' }) unpricedAttempts!: number;
  @ApiProperty({ nullable: true, type: Number }) costPerDelivered!: number | null;
  @ApiProperty({ type: LatencyView }) receiptLatencyMs!: LatencyView;
  @ApiProperty({ type: [CountryReportView] }) byCountry!: CountryReportView[];
  @ApiProperty({ type: [CarrierReportView] }) byCarrier!: CarrierReportView[];
}
