// The conversation workflow's side effects, all in PostgreSQL (ConversationRepository): record
// an MO, apply the account's keyword rules, forward the MO to its account. Each takes and
// returns ids and outcomes only (no number, no text enters workflow history) and may run twice
// (a retried activity): recording, forwarding, the evidence and the reply happen once per MO.
import { ApplicationFailure } from '@temporalio/common';
import type { ForwardResult, KeywordRulesResult, RecordedInbound } from '@app/contracts';
import { DomainError, FailureTypes, UnavailableError } from '@app/contracts';
import type { AutoReplyRepository, ComplianceRepository, ConversationRepository, InboundForKeywords } from '@app/db';
import { matchAutoReply, matchComplianceKeyword } from '@app/domain';
import type { MessageIntake } from '@app/messaging';

export interface ConversationActivityDeps {
  conversations: ConversationRepository;
  compliance: Pick<ComplianceRepository, 'inboundForKeywords' | 'recordOptOut'>;
  autoReplies: Pick<AutoReplyRepository, 'list'>;
  /** Replies go out through the normal intake, so they join the conversation and pass its checks. */
  intake: Pick<MessageIntake, 'accept'>;
}

/** The reason a keyword's confirmation goes to a subscriber who just opted out (recorded by the opt-out check). */
export const KEYWORD_CONFIRMATION = 'keyword_confirmation';

export function createConversationActivities({ conversations, compliance, autoReplies, intake }: ConversationActivityDeps) {
  /** Sends `body` back from our number, once per MO (its id is the idempotency key). */
  async function replyTo(mo: InboundForKeywords, inboundId: string, body: string, exempt: boolean): Promise<Pick<KeywordRulesResult, 'replyMessageId' | 'replyRefused'>> {
    try {
      const accepted = await intake.accept({
        accountId: mo.accountId,
        from: mo.ourNumber,
        to: mo.subscriber,
        body,
        idempotencyKey: `keyword-reply:${inboundId}`,
        ...(exempt ? { optOutExempt: KEYWORD_CONFIRMATION } : {}),
      });
      return { replyMessageId: accepted.id };
    } catch (err) {
      // Unavailable: retried by the activity. A refusal (a limit, a rule on the sender) is final for this MO: recorded, not retried.
      if (err instanceof DomainError && !(err instanceof UnavailableError)) return { replyRefused: err.code };
      throw err;
    }
  }

  return {
    async recordInbound({ inboundId }: { inboundId: string }): Promise<RecordedInbound> {
      const recorded = await conversations.recordInbound(inboundId);
      if (!recorded) throw ApplicationFailure.nonRetryable(`inbound message ${inboundId} not found`, FailureTypes.messageInvalid);
      return { inboundId, accountId: recorded.accountId, first: recorded.first };
    },

    /**
     * The keyword-rules step: the compliance keywords first (opt-out, opt-in, help, in the
     * account's locales; the opt-out or opt-in recorded as evidence from this MO, then its
     * confirmation sent, exempt from the opt-out), then the account's auto-reply rules.
     */
    async applyKeywordRules({ inboundId }: { inboundId: string; accountId: string }): Promise<KeywordRulesResult> {
      const mo = await compliance.inboundForKeywords(inboundId);
      if (!mo) {
        await conversations.recordKeywordResult(inboundId, 'no_rule');
        return { matched: 'no_rule' };
      }
      const keyword = matchComplianceKeyword(mo.body, mo.settings);
      let result: KeywordRulesResult;
      if (keyword) {
        const matched = keyword.action === 'help' ? 'help' : keyword.action === 'opt_in' ? 'opt_in' : 'opt_out';
        let optOutEventId: string | undefined;
        if (matched !== 'help') {
          optOutEventId = await compliance.recordOptOut({
            accountId: mo.accountId,
            phone: mo.subscriber,
            optedOut: matched === 'opt_out',
            sender: keyword.scope === 'sender' ? mo.ourNumber : null,
            source: mo.campaignId ? 'campaign_reply' : 'keyword',
            keyword: keyword.keyword,
            inboundMessageId: inboundId,
            campaignId: mo.campaignId,
          });
        }
        result = { matched, ...(optOutEventId ? { optOutEventId } : {}), ...(await replyTo(mo, inboundId, keyword.reply, true)) };
      } else {
        const rule = matchAutoReply(mo.body, await autoReplies.list(mo.accountId), mo.settings.locales);
        result = rule ? { matched: 'auto_reply', ruleId: rule.id, ...(await replyTo(mo, inboundId, rule.reply, false)) } : { matched: 'no_rule' };
      }
      await conversations.recordKeywordResult(inboundId, result.matched);
      return result;
    },

    async forwardInbound({ inboundId }: { inboundId: string }): Promise<ForwardResult> {
      return { forwardedTo: await conversations.forwardInbound(inboundId) };
    },
  };
}

export type ConversationActivities = ReturnType<typeof createConversationActivities>;
