// eraseSubject: one workflow per erasure (`erasure-<id>`), durable and visible in the Temporal
// UI. Its input is the erasure id only: the number sits in the erasure row until the last batch
// clears it, so no workflow history ever holds it. Each activity call erases a bounded number of
// batches; the workflow repeats until the activity reports the tombstone closed.
import { proxyActivities } from '@temporalio/workflow';
import type { EraseSubjectInput, EraseSubjectResult } from '@app/contracts';
import type { RetentionActivities } from '../activities/retention/retention.activities';

const { eraseSubjectBatch } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' },
});

export async function eraseSubject(input: EraseSubjectInput): Promise<EraseSubjectResult> {
  let rows = 0;
  for (let step = 0; ; ) {
    const batch = await eraseSubjectBatch(input.erasureId, input.batchSize, step);
    step = batch.nextStep;
    rows += batch.erased;
    if (batch.done) return { erasureId: input.erasureId, rows };
  }
}
