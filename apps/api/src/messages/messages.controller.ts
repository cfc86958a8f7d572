import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { BatchAcceptedView, SendBatchDto } from './dto/send-batch.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { AcceptedMessageView, CancelMessageView, MessageView } from './dto/message.view';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@KeyScope('messages')
@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Send an SMS', description: 'Validates and stores the message with its start intent, and answers once PostgreSQL has committed them; delivery continues in its workflow (or page), started by the worker even while Temporal is briefly unavailable.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat a request safely: the same key returns the same message' })
  @ApiResponse({ status: 202, type: AcceptedMessageView })
  @ApiResponse({ status: 400, description: 'Invalid field, unknown field or malformed JSON; unknown_sender_pool (field senderPool)', type: ErrorBody })
  @ApiResponse({
    status: 403,
    description:
      'otp_priority_not_allowed (field priority), destination_country_not_allowed or destination_number_type_refused (field to), sender_not_held, sender_not_registered, sender_not_capable or sender_not_for_destination (field from), sender_pool_no_number (field senderPool)',
    type: ErrorBody,
  })
  @ApiResponse({ status: 409, description: 'Idempotency-Key reused with a different request', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  @ApiResponse({
    status: 429,
    description: 'rate_limited or too_many_failed_authentications (requests; RateLimit headers), daily_quota_exceeded (Retry-After to 00:00 UTC), velocity_number_minute, velocity_number_hour or velocity_prefix_minute (field to); nothing stored',
    type: ErrorBody,
  })
  @ApiResponse({ status: 503, description: 'PostgreSQL unreachable: nothing stored (Retry-After)', type: ErrorBody })
  send(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: SendMessageDto, @Headers('Idempotency-Key') idempotencyKey?: string): Promise<AcceptedMessageView> {
    return this.messages.send(auth, dto, idempotencyKey);
  }

  @Post('batch')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send up to 1,000 messages',
    description:
      'Each item is validated and answered on its own (an id, or an error naming its field as messages[i].field; nothing is stored for a refused item) and may carry its own idempotencyKey. Accepted items ride pages (sendBatch workflows), OTP first; an OTP gets its own workflow only within OTP_WORKFLOWS_PER_SECOND (0 by default), and a message whose SMS carriers all failed leaves its page for its voice call.',
  })
  @ApiResponse({ status: 202, type: BatchAcceptedView })
  @ApiResponse({ status: 400, description: 'messages missing, not an array, empty or over 1,000; unknown top-level field; malformed JSON', type: ErrorBody })
  @ApiResponse({ status: 413, description: 'Body over 4 MB', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'PostgreSQL unreachable: nothing stored', type: ErrorBody })
  sendBatch(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: SendBatchDto): Promise<BatchAcceptedView> {
    return this.messages.sendBatch(auth, dto);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a message not yet sent',
    description: 'Succeeds while no carrier has the message: before its scheduled time or before a page takes it, or (a message on its own workflow) between failover attempts. Otherwise `cancelled` is false with the reason.',
  })
  @ApiResponse({ status: 200, type: CancelMessageView })
  @ApiResponse({ status: 404, type: ErrorBody })
  cancel(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<CancelMessageView> {
    return this.messages.cancel(auth.accountId, id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A message with its status, attempts and event timeline' })
  @ApiResponse({ status: 200, type: MessageView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<MessageView> {
    return this.messages.get(auth.accountId, id);
  }
}
