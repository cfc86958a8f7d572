import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CarriersService } from './carriers.service';
import { CarrierHealthView, CarrierView, CreateCarrierDto, UpdateCarrierDto } from './dto/carrier.dto';
import { Audited } from '../audit/audited';

@ApiTags('carriers (operator)')
@KeyScope('operator')
@Controller('v1/carriers')
export class CarriersController {
  constructor(private readonly carriers: CarriersService) {}

  @Get()
  @ApiOperation({ summary: 'Carriers with their bind state, prices and limits' })
  @ApiResponse({ status: 200, type: [CarrierView] })
  list(): Promise<CarrierView[]> {
    return this.carriers.list();
  }

  @Post()
  @Audited({
    action: 'carrier.create',
    targetType: 'carrier',
    targetId: (req) => String((req.body as { id?: unknown })?.id ?? ''),
    accountId: () => null,
    read: (m, req, result) => (result ? m.get(CarriersService, { strict: false }).get((result as { id: string }).id) : Promise.resolve(null)),
  })
  @ApiOperation({ summary: 'Add a carrier (SMPP or HTTP); its credentials are stored sealed and never returned. The worker connects within seconds.' })
  @ApiResponse({ status: 201, type: CarrierView })
  @ApiResponse({ status: 400, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'The id is taken', type: ErrorBody })
  create(@Body() dto: CreateCarrierDto): Promise<CarrierView> {
    return this.carriers.create(dto);
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
  @Audited({ action: 'carrier.update', targetType: 'carrier', targetId: (req) => req.params.id as string, accountId: () => null, read: (m, req) => m.get(CarriersService, { strict: false }).get(req.params.id as string) })
  @ApiOperation({ summary: 'Enable or disable a carrier, set its prices per country, its throughput limit, and (operator-added carriers) its connection' })
  @ApiResponse({ status: 409, description: 'The connection is managed by the CARRIERS setting', type: ErrorBody })
  @ApiResponse({ status: 200, type: CarrierView })
  @ApiResponse({ status: 400, type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  update(@Param('id') id: string, @Body() dto: UpdateCarrierDto): Promise<CarrierView> {
    return this.carriers.update(id, dto);
  }
}
