// Two-way messaging: a `conversation` workflow per (our number, subscriber) receives inbound
// messages (MO) and the account's replies as signals. Ids only cross Temporal: no number and no
// body enters a workflow id, a search attribute or history.
import type { SignalDefinition } from '@temporalio/common';

export const CONVERSATION_WORKFLOW = 'conversation';

/** From the conversations row keyed by (our number, subscriber): a uuid, never a phone number. */
export const conversationWorkflowId = (conversationId: string): string => `conversation-${conversationId}`;

export interface ConversationInput {
  conversationId: string;
  /** Who held our number when the conversation (or this run) started; null: nobody (stored only). */
  accountId: string | null;
  /** A conversation without signals for this long ends (a later MO starts it again). */
  idleTimeoutMs: number;
  /** After this many events a run continues as new, so a long conversation keeps a short history. */
  maxEventsPerRun: number;
  /** Signals received by an earlier run but not yet handled (continue-as-new hands them over). */
  pending?: ConversationEvent[];
}

/** One thing that happened in a conversation: an MO stored (`inbound`), or a reply accepted (`reply`). */
export interface ConversationEvent {
  kind: 'inbound' | 'reply';
  /** inbound_messages.id or messages.id */
  id: string;
}

export interface ConversationResult {
  /** Why this run ended ('idle'); a continued run does not return. */
  ended: 'idle';
  events: number;
}

export const inboundMessageSignal = { type: 'signal', name: 'inboundMessage' } as SignalDefinition<[ConversationEvent], 'inboundMessage'>;
export const replySentSignal = { type: 'signal', name: 'replySent' } as SignalDefinition<[ConversationEvent], 'replySent'>;

/** The stored MO as the conversation's activities see it (ids and outcomes only). */
export interface RecordedInbound {
  inboundId: string;
  /** Null when no account held the number: stored and counted, not forwarded. */
  accountId: string | null;
  /** Not forwarded yet (false: a repeated signal for an MO handled already; nothing is forwarded twice). */
  first: boolean;
}

/**
 * What the keyword-rules step decided: a compliance keyword (`opt_out`, `opt_in`, `help`), an
 * account's auto-reply rule (`auto_reply`), or nothing (`no_rule`). Ids only.
 */
export interface KeywordRulesResult {
  matched: 'no_rule' | 'opt_out' | 'opt_in' | 'help' | 'auto_reply';
  /** The opt-out/opt-in evidence recorded (opt_out_events id). */
  optOutEventId?: string;
  /** The auto-reply rule that matched. */
  ruleId?: string;
  /** The confirmation or auto-reply sent back (a message id); absent when the reply was refused (reason in `replyRefused`). */
  replyMessageId?: string;
  /** Why no reply went out (e.g. a limit of the account): the error code. */
  replyRefused?: string;
}

export interface ForwardResult {
  /** Where the MO went: 'webhook' (queued in the webhook outbox) and/or 'smpp' (deliver_sm outbox). */
  forwardedTo: ('webhook' | 'smpp')[];
}
