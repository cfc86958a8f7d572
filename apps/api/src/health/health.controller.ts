// GET /health: up/down for anyone (load balancers, uptime checks); the components, workers,
// task queues and carrier binds for a key with the operator scope.
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthenticatedKey } from '@app/db';
import { OptionalKey, RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { RETRY_AFTER_SECONDS } from '../common/error.filter';
import { HealthService, HealthSummary, HealthView } from './health.service';

const EITHER_VIEW = { anyOf: [{ $ref: getSchemaPath(HealthSummary) }, { $ref: getSchemaPath(HealthView) }] };

@ApiTags('health')
@ApiExtraModels(HealthSummary, HealthView)
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @OptionalKey()
  @RequireScope('operator')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Whether the system can take and send messages now',
    description:
      'Without a key: `{ "status": "up" | "down" }` only (HealthSummary). With a key holding the `operator` scope: PostgreSQL, Temporal, ' +
      'worker heartbeats, task queue pollers and the carrier binds held by live workers (HealthView). A key without that scope is refused (403).',
  })
  @ApiResponse({ status: 200, description: 'Up (HealthSummary without a key, HealthView with an operator key)', schema: EITHER_VIEW })
  @ApiResponse({ status: 503, description: 'Down: PostgreSQL or Temporal unreachable, or no live worker. Carries Retry-After.', schema: EITHER_VIEW, headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'integer' } } } })
  @ApiResponse({ status: 401, description: 'A key was sent and is not valid', type: ErrorBody })
  @ApiResponse({ status: 403, description: 'The key lacks the operator scope', type: ErrorBody })
  async check(@Req() req: Request & { auth?: AuthenticatedKey }, @Res({ passthrough: true }) res: Response): Promise<HealthSummary | HealthView> {
    const view = req.auth ? await this.health.check() : await this.health.summary();
    if (view.status === 'down') res.status(503).setHeader('retry-after', RETRY_AFTER_SECONDS);
    return view;
  }
}
