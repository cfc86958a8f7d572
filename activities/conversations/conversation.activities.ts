// The conversation workflow's side effects, all in PostgreSQL (ConversationRepository): record
// an MO, apply the account's keyword rules, forward the MO to its account. Each takes and
// returns ids and outcomes only (no number, no text enters workflow history) and may run twice
// (a retried activity): recording and forwarding happen once per MO.
import { ApplicationFailure } from '@temporalio/common';
import type { ForwardResult, KeywordRulesResult, RecordedInbound } from '@app/contracts';
import { FailureTypes } from '@app/contracts';
import type { ConversationRepository } from '@app/db';

export interface ConversationActivityDeps {
  conversations: ConversationRepository;
}

export function createConversationActivities({ conversations }: ConversationActivityDeps) {
  return {
    async recordInbound({ inboundId }: { inboundId: string }): Promise<RecordedInbound> {
      const recorded = await conversations.recordInbound(inboundId);
      if (!recorded) throw ApplicationFailure.nonRetryable(`inbound message ${inboundId} not found`, FailureTypes.messageInvalid);
      return { inboundId, accountId: recorded.accountId, first: recorded.first };
    },

    /**
     * The keyword-rules step (opt-out STOP/START/HELP and auto-replies plug in here): today no
     * rule exists, so it records that none matched.
     */
    async applyKeywordRules({ inboundId }: { inboundId: string; accountId: string }): Promise<KeywordRulesResult> {
      await conversations.recordKeywordResult(inboundId, 'no_rule');
      return { matched: 'no_rule' };
    },

    async forwardInbound({ inboundId }: { inboundId: string }): Promise<ForwardResult> {
      return { forwardedTo: await conversations.forwardInbound(inboundId) };
    },
  };
}

export type ConversationActivities = ReturnType<typeof createConversationActivities>;
