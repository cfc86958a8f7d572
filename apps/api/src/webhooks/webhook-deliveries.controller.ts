// GET /v1/webhooks/deliveries (the delivery log of this account's webhooks, each try) and
// POST /v1/webhooks/replay (a time range queued again under the original event ids).
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { DELIVERY_LOG_DESCRIPTION, DeliveryListView, DeliveryQuery, ReplayDto, ReplayView } from './dto/webhook-deliveries.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

@ApiTags('webhooks')
@KeyScope('messages')
@Controller('v1/webhooks')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get('deliveries')
  @ApiOperation({ summary: "The delivery log of this account's webhooks, newest first", description: DELIVERY_LOG_DESCRIPTION })
  @ApiResponse({ status: 200, type: DeliveryListView })
  @ApiResponse({ status: 400, description: 'A filter, limit or cursor invalid, or an unknown parameter (the error names it)', type: ErrorBody })
  list(@CurrentAuth() auth: AuthenticatedKey, @Query() query: DeliveryQuery): Promise<DeliveryListView> {
    return this.deliveries.deliveries(auth.accountId, query);
  }

  @Post('replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send again the webhooks of a time range, under their original event ids',
    description:
      'Delivered and failed webhooks queued in [since, until) (of `types`, all when absent) are queued again with a new 24 h retry window, in their original order per message and conversation; ' +
      "inbound webhooks go to the current inbound URL. Receivers de-duplicate by X-Event-Id, so a replay is safe; it is how events held or given up while an endpoint was down are fetched again.",
  })
  @ApiResponse({ status: 202, type: ReplayView })
  @ApiResponse({ status: 400, description: 'since or until missing or invalid, until not after since, an unknown type, or an unknown field', type: ErrorBody })
  replay(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: ReplayDto): Promise<ReplayView> {
    return this.deliveries.replay(auth.accountId, dto);
  }
}
