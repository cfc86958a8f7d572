import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth, RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { PositiveIntPipe } from '../common/validation.pipe';
import { ReplaceRoutesDto, RoutePlanView, RoutesView, RoutingVersionView, SimulateRouteDto } from './dto/routes.dto';
import { RoutesService } from './routes.service';
import { Audited } from '../audit/audited';

const VERSION_PARAM = { name: 'version', schema: { type: 'integer' as const, minimum: 1, maximum: 2147483647 }, example: 3 };

@ApiTags('routing (operator)')
@ApiBearerAuth()
@RequireScope('operator')
@ApiResponse({ status: 401, type: ErrorBody })
@ApiResponse({ status: 403, description: 'The key lacks the operator scope', type: ErrorBody })
@Controller('v1')
export class RoutesController {
  constructor(private readonly routes: RoutesService) {}

  @Get('routes')
  @ApiOperation({ summary: 'The active routing rules and their version' })
  @ApiResponse({ status: 200, type: RoutesView })
  @ApiResponse({ status: 404, description: 'no_active_routes: no version has been activated yet', type: ErrorBody })
  active(): Promise<RoutesView> {
    return this.routes.active();
  }

  @Put('routes')
  @Audited({ action: 'routes.replace', targetType: 'routing', targetId: () => 'active', accountId: () => null, read: (m) => m.get(RoutesService, { strict: false }).active() })
  @ApiOperation({ summary: 'Replace the rule set: creates and activates a new version' })
  @ApiResponse({ status: 200, type: RoutesView })
  @ApiResponse({ status: 400, description: 'A rule is invalid; `field` names it, e.g. rules[1].targets[0].weight', type: ErrorBody })
  replace(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: ReplaceRoutesDto): Promise<RoutesView> {
    return this.routes.replace(dto, auth.accountId);
  }

  @Get('routes/versions')
  @ApiOperation({ summary: 'Every version of the routing table, newest first' })
  @ApiResponse({ status: 200, type: [RoutingVersionView] })
  versions(): Promise<RoutingVersionView[]> {
    return this.routes.versions();
  }

  @Get('routes/versions/:version')
  @ApiParam(VERSION_PARAM)
  @ApiResponse({ status: 200, type: RoutesView })
  @ApiResponse({ status: 404, type: ErrorBody })
  version(@Param('version', PositiveIntPipe) version: number): Promise<RoutesView> {
    return this.routes.version(version);
  }

  @Post('routes/versions/:version/activate')
  @Audited({ action: 'routes.activate', targetType: 'routing', targetId: (req) => req.params.version as string, accountId: () => null, read: (m) => m.get(RoutesService, { strict: false }).active() })
  @ApiParam(VERSION_PARAM)
  @HttpCode(200)
  @ApiOperation({ summary: 'Make a version active: roll back or forward' })
  @ApiResponse({ status: 200, type: RoutesView })
  @ApiResponse({ status: 404, type: ErrorBody })
  activate(@Param('version', PositiveIntPipe) version: number): Promise<RoutesView> {
    return this.routes.activate(version);
  }

  @Post('routing/simulate')
  @HttpCode(200)
  @ApiOperation({ summary: 'The route plan a message would get, with the reason for each carrier, without sending' })
  @ApiResponse({ status: 200, type: RoutePlanView })
  @ApiResponse({ status: 422, description: 'No rule matches', type: ErrorBody })
  simulate(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: SimulateRouteDto): Promise<RoutePlanView> {
    return this.routes.simulate(dto, auth.accountId);
  }
}
