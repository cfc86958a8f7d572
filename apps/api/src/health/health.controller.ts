import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/api-key.guard';
import { HealthService, HealthView } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'API, PostgreSQL, Temporal and carrier bind status (no key needed)' })
  @ApiResponse({ status: 200, description: 'PostgreSQL and Temporal reachable', type: HealthView })
  @ApiResponse({ status: 503, description: 'PostgreSQL or Temporal unreachable', type: HealthView })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthView> {
    const view = await this.health.check();
    res.status(view.status === 'down' ? 503 : 200);
    return view;
  }
}
