// sendBatch: one page of messages (REST batches, bulk SMPP binds), so that a page, not every
// message, costs a workflow. The page's messages were written with it (see the worker's
// dispatcher); it submits them attempt by attempt (each to the next carrier of its route plan,
// chosen by the delivery lifecycle as a message's own workflow would), waits until every
// receipt of the attempt is in or the rules' receipt wait has passed, pauses by the rules'
// backoff, and finally fails whatever is not delivered. Receipts are applied to the rows as
// they come (worker receipt router, deciding each attempt with the same lifecycle), which
// signals the page when an attempt may be complete; the page then counts for itself. A waiting
// page costs no workflow task but a rare safety check, so hundreds of pages can wait for slow
// receipts at once. Each message keeps its attempts, events and status in PostgreSQL. Holds
// ids and counts only.
import { condition, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import { batchReceiptsInSignal, SendBatchInput, SendBatchResult } from '@app/contracts';
import { backoffDelayMs } from '@app/lifecycle';
import type { BatchActivities } from '../activities/batches/batch.activities';

const { awaitingReceipts, undecidedMessages, finishBatch } = proxyLocalActivities<BatchActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// A page of hundreds of submits takes seconds: heartbeats show it is alive.
const { submitBatch } = proxyActivities<BatchActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Without a signal, a waiting page counts its outstanding receipts this often (a lost signal costs at most this). */
export const SAFETY_CHECK_MS = 30_000;

export async function sendBatch(input: SendBatchInput): Promise<SendBatchResult> {
  // Each signal wakes a waiting page once, to count again (the payload's attempt is for the history's reader).
  let hints = 0;
  setHandler(batchReceiptsInSignal, () => {
    hints += 1;
  });
  let attempt = 0;
  let receiptWaitMs = 0;
  for (let next = 1; next <= input.maxAttempts; next += 1) {
    const result = await submitBatch({ batchId: input.batchId, attempt: next });
    if (result.submitted === 0 && result.failed === 0) break; // nothing needed another attempt
    attempt = next;
    receiptWaitMs = Math.max(receiptWaitMs, result.receiptWaitMs);
    if (result.submitted > 0) {
      const deadline = Date.now() + result.receiptWaitMs;
      let seen = hints;
      let outstanding = await awaitingReceipts({ batchId: input.batchId, attempt: next });
      while (outstanding > 0 && deadline > Date.now()) {
        await condition(() => hints > seen, Math.min(deadline - Date.now(), SAFETY_CHECK_MS));
        seen = hints;
        outstanding = await awaitingReceipts({ batchId: input.batchId, attempt: next });
      }
      // Every receipt in and every message final (the usual page): no attempt is left to make.
      if (outstanding === 0 && (await undecidedMessages({ batchId: input.batchId })) === 0) break;
    }
    // The same pause between attempts a message's own workflow makes (Math.random is seeded per run).
    if (next < input.maxAttempts) await sleep(backoffDelayMs({ backoff: result.backoff }, next + 1, Math.random));
  }
  const { failed } = await finishBatch({ batchId: input.batchId, receiptWaitMs });
  return { attempts: attempt, failed };
}
