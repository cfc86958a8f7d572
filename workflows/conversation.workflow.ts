// conversation: one per (our number, subscriber), started or signalled with start by the
// worker's conversation dispatcher from the intents committed with each MO and each reply (accept
// at commit). Each inbound MO is recorded, passed through the keyword-rules step and forwarded to
// the account that holds the number (signed webhook and/or deliver_sm, through outboxes); a reply
// the account sent shows in history as its signal. The conversation ends after an idle time
// without signals (the next MO starts a new run under the same id) and continues as new after
// `maxEventsPerRun` events, handing over what it had not handled yet. Holds ids only.
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { ConversationEvent, ConversationInput, ConversationResult, inboundMessageSignal, replySentSignal } from '@app/contracts';
import type { ConversationActivities } from '../activities/conversations/conversation.activities';

const { recordInbound, applyKeywordRules, forwardInbound } = proxyActivities<ConversationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['MessageInvalid'] },
});

export async function conversation(input: ConversationInput): Promise<ConversationResult> {
  const queue: ConversationEvent[] = [...(input.pending ?? [])];
  setHandler(inboundMessageSignal, (event) => void queue.push(event));
  setHandler(replySentSignal, (event) => void queue.push(event));
  let events = 0;
  for (;;) {
    if (queue.length === 0 && !(await condition(() => queue.length > 0, input.idleTimeoutMs))) return { ended: 'idle', events };
    const event = queue.shift()!;
    if (event.kind === 'inbound') {
      const recorded = await recordInbound({ inboundId: event.id });
      // A repeated signal for an MO already handled forwards nothing; an MO nobody holds the number of is only stored.
      if (recorded.first && recorded.accountId) {
        await applyKeywordRules({ inboundId: event.id, accountId: recorded.accountId });
        await forwardInbound({ inboundId: event.id });
      }
    }
    events += 1;
    if (events >= input.maxEventsPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof conversation>({ ...input, pending: queue });
    }
  }
}
