// The page shape of the delivery engine: one sendBatch workflow carries a page of messages
// (REST batches, bulk SMPP binds) through the same lifecycle a message's own workflow follows.
import type { SignalDefinition } from '@temporalio/common';

export const SEND_BATCH_WORKFLOW = 'sendBatch';

/** A page's id is its first message's id: a page is written once, so starting it twice starts one workflow. */
export const batchWorkflowId = (batchId: string): string => `batch-${batchId}`;

export interface SendBatchInput {
  /** The page: messages.batch_id of its messages (the first message's id). */
  batchId: string;
  /** The accounts whose messages the page carries (search attribute PageAccountIds). */
  accountIds: string[];
  /** Carriers tried at most per message (the route policy may allow fewer). */
  maxAttempts: number;
}

export interface SendBatchResult {
  /** Attempts the page made (1 when every message was decided by its first carrier). */
  attempts: number;
  /** Messages that ended failed when the page finished. */
  failed: number;
}

/** What one attempt of a page did, and what the page waits for before the next. */
export interface SubmitBatchResult {
  submitted: number;
  failed: number;
  /** The longest receipt wait of the rules that routed this attempt (0: nothing submitted). */
  receiptWaitMs: number;
  /** The pause before the next attempt: the slowest backoff of the rules that routed this one. */
  backoff: { initialMs: number; maxMs: number; multiplier: number };
}

/**
 * To a page: receipts were applied and attempt `attempt` may have none outstanding. A hint,
 * not a verdict: the page counts its outstanding receipts itself.
 */
export const batchReceiptsInSignal = { type: 'signal', name: 'batchReceiptsIn' } as SignalDefinition<[{ attempt: number }], 'batchReceiptsIn'>;

