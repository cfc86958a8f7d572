// Workflow ids, task queues, signal names and search attributes: the vocabulary shared by
// whoever starts, signals or runs workflows. Types only from Temporal, so no runtime import.
import type { SignalDefinition } from '@temporalio/common';
import type { CarrierReceipt } from './messages';

export const DEFAULT_TASK_QUEUE = 'sms-messages';

/** Derived from the message id, so starting the same message twice starts one workflow. */
export const messageWorkflowId = (messageId: string): string => `msg-${messageId}`;
export const statusCallbackWorkflowId = (messageId: string, status: string): string => `cb-${messageId}-${status}`;

export const carrierReceiptSignal = { type: 'signal', name: 'carrierReceipt' } as SignalDefinition<[CarrierReceipt], 'carrierReceipt'>;

/** Custom search attributes the message workflows set. The dev server registers them at start. */
export const SEARCH_ATTRIBUTES = {
  messageId: 'MessageId',
  accountId: 'AccountId',
  messageStatus: 'MessageStatus',
  carrierId: 'CarrierId',
} as const;
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword'> = {
  MessageId: 'Keyword',
  AccountId: 'Keyword',
  MessageStatus: 'Keyword',
  CarrierId: 'Keyword',
};
