import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetail {
  @ApiProperty({ example: 'invalid_phone_number', description: 'Stable machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'to must be an E.164 number: + followed by the country code and number' })
  message!: string;

  @ApiPropertyOptional({ example: 'to', description: 'The request field at fault, when there is one' })
  field?: string;
}

/** Every 4xx/5xx answer of the API has this shape. */
export class ErrorBody {
  @ApiProperty({ type: ErrorDetail })
  error!: ErrorDetail;
}
