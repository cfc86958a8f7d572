// Reading conversations and the account's messages (both directions) for the REST API:
// account-scoped, keyset paginated (ConversationRepository).
import { Injectable } from '@nestjs/common';
import { conversationWorkflowId, NotFoundError, ValidationError } from '@app/contracts';
import { ConversationRepository, ConversationRow, decodeCursor, ListedMessage } from '@app/db';
import { ConversationDetailView, ConversationListView, ConversationView, DEFAULT_PAGE, ListedMessageView, MessageListQuery, MessageListView, PageQuery } from './dto/conversation.dto';
import { UUID } from '../common/uuid-param';

const MESSAGES_PER_CONVERSATION = 500;

function cursorOf(query: PageQuery): { ts: string; id: string } | null {
  if (query.cursor === undefined) return null;
  const cursor = decodeCursor(query.cursor);
  if (!cursor) throw new ValidationError('invalid_field', 'cursor must be the nextCursor of a previous page', 'cursor');
  return cursor;
}

/**
 * A cursor or time PostgreSQL cannot read (a cursor edited by hand, a year 0) is the client's
 * mistake: PostgreSQL's data exceptions (SQLSTATE class 22) become a 400 naming the field.
 */
async function readable<T>(query: PageQuery & { since?: string }, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const code = (err as { driverError?: { code?: unknown } }).driverError?.code;
    if (typeof code !== 'string' || !code.startsWith('22')) throw err;
    const field = query.cursor !== undefined ? 'cursor' : 'since';
    throw new ValidationError('invalid_field', field === 'cursor' ? 'cursor must be the nextCursor of a previous page' : 'since is not a time PostgreSQL can read', field);
  }
}

const conversationView = (c: ConversationRow): ConversationView => ({
  id: c.id,
  ourNumber: c.ourNumber,
  subscriber: c.subscriber,
  workflowId: conversationWorkflowId(c.id),
  inboundCount: c.inboundCount,
  createdAt: c.createdAt.toISOString(),
  lastMessageAt: c.lastMessageAt.toISOString(),
});

const messageView = (m: ListedMessage): ListedMessageView => ({ ...m, createdAt: m.createdAt.toISOString() });

@Injectable()
export class ConversationsService {
  constructor(private readonly conversations: ConversationRepository) {}

  async list(accountId: string, query: PageQuery): Promise<ConversationListView> {
    const page = await readable(query, () => this.conversations.listConversations(accountId, query.limit ?? DEFAULT_PAGE, cursorOf(query)));
    return { items: page.items.map(conversationView), nextCursor: page.nextCursor };
  }

  async get(accountId: string, id: string): Promise<ConversationDetailView> {
    const found = UUID.test(id) ? await this.conversations.getConversation(accountId, id, MESSAGES_PER_CONVERSATION) : null;
    if (!found) throw new NotFoundError('conversation_not_found', `No conversation ${id} in this account`);
    return { ...conversationView(found.conversation), messages: found.messages.map(messageView) };
  }

  async messages(accountId: string, query: MessageListQuery): Promise<MessageListView> {
    const since = query.since === undefined ? undefined : new Date(query.since);
    if (since && !(since.getUTCFullYear() >= 1 && since.getUTCFullYear() <= 9999)) throw new ValidationError('invalid_field', 'since must be a time between the years 1 and 9999', 'since');
    const page = await readable(query, () =>
      this.conversations.listMessages(accountId, { direction: query.direction, to: query.to, from: query.from, status: query.status, since }, query.limit ?? DEFAULT_PAGE, cursorOf(query)),
    );
    return { items: page.items.map(messageView), nextCursor: page.nextCursor };
  }
}
