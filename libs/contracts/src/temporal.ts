// Workflow ids, task queues, signal names and search attributes: the vocabulary shared by
// whoever starts, signals or runs workflows. Types only from Temporal, so no runtime import.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { CancelMessageResult, CarrierReceipt } from './messages';

export const DEFAULT_TASK_QUEUE = 'sms-messages';

/**
 * Each carrier's submits run on a task queue of their own, whose activity rate the Temporal
 * server limits to the carrier's messages per second across every worker process.
 */
export const carrierTaskQueue = (baseTaskQueue: string, carrierId: string): string => `${baseTaskQueue}.carrier.${carrierId}`;

/** Temporal task priority per message priority (1 runs first): OTP never waits behind marketing. */
export const PRIORITY_KEYS = { otp: 1, transactional: 3, marketing: 5 } as const;

/** Derived from the message id, so starting the same message twice starts one workflow. */
export const messageWorkflowId = (messageId: string): string => `msg-${messageId}`;

export const carrierReceiptSignal = { type: 'signal', name: 'carrierReceipt' } as SignalDefinition<[CarrierReceipt], 'carrierReceipt'>;
/** Accepted only before the first submit starts: after that the carrier has the message. */
export const cancelMessageUpdate = { type: 'update', name: 'cancelMessage' } as UpdateDefinition<CancelMessageResult, [], 'cancelMessage'>;

/** Custom search attributes the workflows set; the dev server registers them at launch. */
const keyword = (name: string) => ({ name, type: 'KEYWORD' }) as SearchAttributeKey<'KEYWORD'>;
const keywordList = (name: string) => ({ name, type: 'KEYWORD_LIST' }) as SearchAttributeKey<'KEYWORD_LIST'>;
export const searchAttributes = {
  messageId: keyword('MessageId'),
  accountId: keyword('AccountId'),
  messageStatus: keyword('MessageStatus'),
  carrierId: keyword('CarrierId'),
  /** The accounts whose messages a page carries (`PageAccountIds = '<account id>'` finds an account's pages). */
  pageAccountIds: keywordList('PageAccountIds'),
  /** A conversation workflow's conversations row id (it also carries AccountId; never a number). */
  conversationId: keyword('ConversationId'),
  /** A campaign's runCampaign workflow (`CampaignId = '<campaign id>'`; AccountId is set too). */
  campaignId: keyword('CampaignId'),
  /** A verification's verifyPhone workflow (`VerificationId = '<id>'`; AccountId and VerificationStatus are set too). */
  verificationId: keyword('VerificationId'),
  verificationStatus: keyword('VerificationStatus'),
} as const;
/** Name → type as the Temporal CLI's `--search-attribute` flag spells it. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'KeywordList'> = Object.fromEntries(
  Object.values(searchAttributes).map((key) => [key.name, key.type === 'KEYWORD_LIST' ? ('KeywordList' as const) : ('Keyword' as const)]),
);
