// The account's webhooks: GET/PUT /v1/account/webhooks (inbound webhook URL) and
// POST /v1/account/webhook-secret/rotate (a new signing secret, the old one kept for an overlap).
import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { RotatedSecretView, RotateSecretDto, SIGNING_DESCRIPTION, UpdateWebhooksDto, WebhooksView } from './dto/webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('account')
@KeyScope('messages')
@Controller('v1/account')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('webhooks')
  @ApiOperation({ summary: 'Inbound webhook URL, the secrets that sign webhooks now, and the health of the endpoints webhooks went to', description: SIGNING_DESCRIPTION })
  @ApiResponse({ status: 200, type: WebhooksView })
  get(@CurrentAuth() auth: AuthenticatedKey): Promise<WebhooksView> {
    return this.webhooks.get(auth.accountId);
  }

  @Put('webhooks')
  @ApiOperation({
    summary: 'Set (or clear) the inbound webhook URL',
    description: `Inbound messages (MO) to this account's numbers are POSTed there as { type: "message.inbound", eventId, id, conversationId, from, to, body, parts, carrierId, sequence, receivedAt }. The first call creates the signing secret and returns it once (\`secret\`). ${SIGNING_DESCRIPTION}`,
  })
  @ApiResponse({ status: 200, type: WebhooksView })
  @ApiResponse({ status: 400, description: 'inboundUrl missing, not a URL, or leading to a private, loopback or reserved address; unknown field', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: UpdateWebhooksDto): Promise<WebhooksView> {
    return this.webhooks.update(auth.accountId, dto);
  }

  @Post('webhook-secret/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret (shown once); the previous one keeps signing for overlapSeconds (default 24 h)', description: SIGNING_DESCRIPTION })
  @ApiResponse({ status: 200, type: RotatedSecretView })
  @ApiResponse({ status: 400, description: 'overlapSeconds invalid, or an unknown field', type: ErrorBody })
  rotate(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: RotateSecretDto): Promise<RotatedSecretView> {
    return this.webhooks.rotate(auth.accountId, dto);
  }
}
