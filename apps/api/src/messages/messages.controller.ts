import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { SendMessageDto } from './dto/send-message.dto';
import { AcceptedMessageView, CancelMessageView, MessageView } from './dto/message.view';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorBody })
@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Send an SMS', description: 'Validates, stores and queues the message; delivery continues in its workflow.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat a request safely: the same key returns the same message' })
  @ApiResponse({ status: 202, type: AcceptedMessageView })
  @ApiResponse({ status: 400, description: 'Invalid field, unknown field or malformed JSON', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'Idempotency-Key reused with a different request', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Could not queue the message; nothing stored', type: ErrorBody })
  send(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: SendMessageDto, @Headers('idempotency-key') idempotencyKey?: string): Promise<AcceptedMessageView> {
    return this.messages.send(auth, dto, idempotencyKey);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a message not yet sent',
    description: 'Succeeds while no carrier has the message: before its scheduled time, or between failover attempts. Otherwise `cancelled` is false with the reason.',
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
