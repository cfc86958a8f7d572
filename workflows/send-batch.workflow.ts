// sendBatch: one page of bulk messages (high-rate SMPP binds), so that a page, not every
// message, costs a workflow. Claims up to `pageSize` waiting messages, submits them attempt by
// attempt (each to the next carrier of its route plan), waits until every receipt of the
// attempt is in or the rules' receipt wait has passed, and finally fails whatever is not
// delivered. Receipts are applied to the rows as they come (worker receipt router); each
// message keeps its attempts, events and status in PostgreSQL. Holds ids and counts only.
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { BatchActivities } from '../activities/batches/batch.activities';

export interface SendBatchInput {
  batchId: string;
  pageSize: number;
  /** Carriers tried at most per message (the route policy may allow fewer). */
  maxAttempts: number;
}

export interface SendBatchResult {
  claimed: number;
  attempts: number;
  failed: number;
}

const { claimBatch, awaitingReceipts, finishBatch } = proxyLocalActivities<BatchActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// A page of hundreds of submits takes seconds: heartbeats show it is alive.
const { submitBatch } = proxyActivities<BatchActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Checks for outstanding receipts often at first (most arrive in seconds), then less often. */
const pollDelayMs = (elapsedMs: number) => (elapsedMs < 10_000 ? 250 : 2000);

export async function sendBatch(input: SendBatchInput): Promise<SendBatchResult> {
  const claimed = await claimBatch({ batchId: input.batchId, limit: input.pageSize });
  if (claimed === 0) return { claimed: 0, attempts: 0, failed: 0 };
  let attempt = 0;
  for (let next = 1; next <= input.maxAttempts; next += 1) {
    const result = await submitBatch({ batchId: input.batchId, attempt: next });
    if (result.submitted === 0 && result.failed === 0) break; // nothing needed another attempt
    attempt = next;
    if (result.submitted === 0) continue;
    const started = Date.now();
    while (Date.now() - started < result.receiptWaitMs) {
      await sleep(pollDelayMs(Date.now() - started));
      if ((await awaitingReceipts({ batchId: input.batchId, attempt: next })) === 0) break;
    }
  }
  const { failed } = await finishBatch({ batchId: input.batchId, lastAttempt: attempt });
  return { claimed, attempts: attempt, failed };
}
