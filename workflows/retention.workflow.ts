// applyRetention: run by the `retention` Temporal Schedule. First the rows no account owns
// (default periods), then every account in id order: bodies past the account's body retention
// are redacted, per-message rows past its metadata retention deleted, by activities that work
// in bounded batches. Continue-as-new keeps the history short for any number of accounts.
// Holds ids and counts only.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ApplyRetentionInput, RetentionCounters } from '@app/contracts';
import type { RetentionActivities } from '../activities/retention/retention.activities';

const { retentionAccounts, applyAccountRetention } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
});

const ACCOUNTS_PER_PAGE = 100;
/** Activity calls per run before continue-as-new. */
const CALLS_PER_RUN = 1000;

export async function applyRetention(input: ApplyRetentionInput = {}): Promise<RetentionCounters> {
  const counters: RetentionCounters = input.resume?.counters ?? { accounts: 0, rows: {} };
  const batchSize = input.batchSize;
  let calls = 0;
  const apply = async (accountId: string | null) => {
    for (let step = 0; ; ) {
      calls++;
      const result = await applyAccountRetention(accountId, batchSize, step);
      step = result.nextStep;
      for (const [step, n] of Object.entries(result.rows)) counters.rows[step] = (counters.rows[step] ?? 0) + n;
      if (result.done) return;
    }
  };
  if (!input.resume) await apply(null);
  let after = input.resume?.afterAccountId ?? null;
  for (;;) {
    const page = await retentionAccounts(after, ACCOUNTS_PER_PAGE);
    for (const accountId of page) {
      await apply(accountId);
      counters.accounts++;
      after = accountId;
    }
    if (page.length < ACCOUNTS_PER_PAGE) return counters;
    if (calls >= CALLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof applyRetention>({ ...input, resume: { afterAccountId: after, counters } });
    }
  }
}
