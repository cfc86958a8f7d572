// GET /v1/conversations, GET /v1/conversations/:id and GET /v1/messages (the list of the
// account's messages, both directions; GET /v1/messages/:id stays in messages.controller.ts).
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { ConversationsService } from './conversations.service';
import { ConversationDetailView, ConversationListView, MessageListQuery, MessageListView, PageQuery } from './dto/conversation.dto';

@ApiTags('conversations')
@KeyScope('messages')
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiOperation({
    summary: "This account's conversations, most recent first",
    description: 'One per (our number, subscriber): inbound messages to a number this account holds, and the replies sent from it to that subscriber. Cursor paginated.',
  })
  @ApiResponse({ status: 200, type: ConversationListView })
  @ApiResponse({ status: 400, description: 'limit or cursor invalid, or an unknown parameter (the error names it)', type: ErrorBody })
  list(@CurrentAuth() auth: AuthenticatedKey, @Query() query: PageQuery): Promise<ConversationListView> {
    return this.conversations.list(auth.accountId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A conversation with its messages, both directions, oldest first' })
  @ApiResponse({ status: 200, type: ConversationDetailView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ConversationDetailView> {
    return this.conversations.get(auth.accountId, id);
  }
}

@ApiTags('messages')
@KeyScope('messages')
@Controller('v1/messages')
export class MessageListController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiOperation({
    summary: "This account's messages, newest first",
    description: 'Sent (outbound) and received (inbound, MO) messages, filtered by direction, exact to/from, status and since; cursor paginated.',
  })
  @ApiResponse({ status: 200, type: MessageListView })
  @ApiResponse({ status: 400, description: 'A filter, limit or cursor invalid, or an unknown parameter (the error names it)', type: ErrorBody })
  list(@CurrentAuth() auth: AuthenticatedKey, @Query() query: MessageListQuery): Promise<MessageListView> {
    return this.conversations.messages(auth.accountId, query);
  }
}
