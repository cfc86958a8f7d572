// Activities of applyRetention and eraseSubject: each call runs bounded batches (one short
// statement each, never one long transaction) up to a budget, and says whether there is more.
import type { RetentionAccountResult } from '@app/contracts';
import { DataSubjectRepository, RETENTION_STEPS, RetentionRepository } from '@app/db';

export interface RetentionActivityDeps {
  retention: RetentionRepository;
  subjects: DataSubjectRepository;
  /** Batches per activity call, so that one call stays well inside its timeout. */
  maxBatchesPerCall?: number;
}

export const DEFAULT_RETENTION_BATCH = 500;
const MAX_BATCHES_PER_CALL = 50;

export function createRetentionActivities({ retention, subjects, maxBatchesPerCall = MAX_BATCHES_PER_CALL }: RetentionActivityDeps) {
  return {
    /** A page of account ids in id order, after `after`. */
    async retentionAccounts(after: string | null, limit: number): Promise<string[]> {
      return retention.accountIds(after, limit);
    },

    /** Redacts and deletes what the account's periods say is due (null: rows of no account, default periods). */
    async applyAccountRetention(accountId: string | null, batchSize: number = DEFAULT_RETENTION_BATCH, fromStep = 0): Promise<RetentionAccountResult> {
      const rows: Record<string, number> = {};
      let batches = 0;
      for (let index = fromStep; index < RETENTION_STEPS.length; index++) {
        const step = RETENTION_STEPS[index];
        for (;;) {
          if (batches++ >= maxBatchesPerCall) return { done: false, rows, nextStep: index };
          const count = await retention.applyStep(accountId, step, batchSize);
          if (count > 0) rows[step] = (rows[step] ?? 0) + count;
          if (count < batchSize) break;
        }
      }
      return { done: true, rows, nextStep: RETENTION_STEPS.length };
    },

    /** Erases a batch budget's worth of the number's rows; closes the tombstone when nothing is left. */
    async eraseSubjectBatch(erasureId: string, batchSize: number = DEFAULT_RETENTION_BATCH, fromStep = 0): Promise<{ done: boolean; erased: number; nextStep: number }> {
      return subjects.eraseSome(erasureId, batchSize, maxBatchesPerCall, fromStep);
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
