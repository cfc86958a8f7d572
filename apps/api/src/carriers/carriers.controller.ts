import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { CarriersService } from './carriers.service';
import { CarrierHealthView, CarrierView, UpdateCarrierDto } from './dto/carrier.dto';

@ApiTags('carriers (operator)')
@ApiBearerAuth()
@RequireScope('operator')
@ApiResponse({ status: 401, type: ErrorBody })
@ApiResponse({ status: 403, description: 'The key lacks the operator scope', type: ErrorBody })
@Controller('v1/carriers')
export class CarriersController {
  constructor(private readonly carriers: CarriersService) {}

  @Get()
  @ApiOperation({ summary: 'Carriers with their bind state, prices and limits' })
  @ApiResponse({ status: 200, type: [CarrierView] })
  list(): Promise<CarrierView[]> {
    return this.carriers.list();
  }

  @Get(':id')
  @ApiResponse({ status: 200, type: CarrierView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@Param('id') id: string): Promise<CarrierView> {
    return this.carriers.get(id);
  }

  @Get(':id/health')
  @ApiOperation({ summary: 'Live health: circuit breaker, bind, submit errors, delivery rate and receipt latency (overall and per country)' })
  @ApiResponse({ status: 200, type: CarrierHealthView })
  @ApiResponse({ status: 404, type: ErrorBody })
  health(@Param('id') id: string): Promise<CarrierHealthView> {
    return this.carriers.healthOf(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Enable or disable a carrier, set its prices per country and its throughput limit' })
  @ApiResponse({ status: 200, type: CarrierView })
  @ApiResponse({ status: 400, type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  update(@Param('id') id: string, @Body() dto: UpdateCarrierDto): Promise<CarrierView> {
    return this.carriers.update(id, dto);
  }
}
