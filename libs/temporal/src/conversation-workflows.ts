// Signal-with-start of a conversation workflow, shared by the worker's conversation dispatcher
// and the tests: the same id (from the conversations row, never a number), search attributes
// (account and conversation ids only) and signal for every caller.
import { Client } from '@temporalio/client';
import {
  CONVERSATION_WORKFLOW,
  ConversationEvent,
  ConversationInput,
  ConversationResult,
  conversationWorkflowId,
  inboundMessageSignal,
  replySentSignal,
  searchAttributes,
} from '@app/contracts';

export interface ConversationSettings {
  idleTimeoutMs: number;
  maxEventsPerRun: number;
}

/** Starts the conversation's workflow if no run is open, and signals it the event. */
export async function signalConversation(
  client: Client,
  taskQueue: string,
  settings: ConversationSettings,
  conversation: { conversationId: string; accountId: string },
  event: ConversationEvent,
): Promise<void> {
  const input: ConversationInput = { conversationId: conversation.conversationId, accountId: conversation.accountId, ...settings };
  const signal = event.kind === 'inbound' ? inboundMessageSignal : replySentSignal;
  await client.workflow.signalWithStart<(input: ConversationInput) => Promise<ConversationResult>, [ConversationEvent]>(CONVERSATION_WORKFLOW, {
    taskQueue,
    workflowId: conversationWorkflowId(conversation.conversationId),
    args: [input],
    signal,
    signalArgs: [event],
    typedSearchAttributes: [
      { key: searchAttributes.accountId, value: conversation.accountId },
      { key: searchAttributes.conversationId, value: conversation.conversationId },
    ],
  });
}
