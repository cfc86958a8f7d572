// runCampaign: one workflow per campaign (`campaign-<id>`). Waits for the schedule's start,
// then hands the audience to the delivery engine page by page: each page activity checks
// opt-outs and consent, holds recipients in their quiet hours, personalizes, and inserts that
// page's messages into the paged path in one transaction (so a recipient gets at most one
// message whatever is retried). Throttle: a page holds at most one second of messages at the
// campaign's rate and the next page waits its share of time after it; without one, a page waits
// while a few engine pages of the campaign's messages are still queued (backpressure). Pause, resume, cancel and a throttle
// change are signals that wake any wait at once. Once every recipient is handed over it waits
// for their messages' final statuses, then completes. Continue-as-new keeps the history short
// for any audience, carrying the counters. Holds ids and counts only (no texts, no numbers).
import { condition, continueAsNew, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  campaignProgressQuery,
  CampaignProgress,
  CampaignRunCounters,
  cancelCampaignSignal,
  pauseCampaignSignal,
  resumeCampaignSignal,
  RunCampaignInput,
  RunCampaignResult,
  setCampaignThrottleSignal,
} from '@app/contracts';
import type { CampaignActivities } from '../activities/campaigns/campaign.activities';

const { prepareCampaignPage, cancelCampaign } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});
const { setCampaignStatus, campaignInFlight } = proxyLocalActivities<CampaignActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_PAGES_PER_RUN = 100;
export const DEFAULT_OUTCOME_POLL_MS = 10_000;
/** With a throttle, a page holds at most this much of the campaign's rate: a change applies within it. */
const PACE_WINDOW_MS = 1_000;
/** A page that found nothing it could take (e.g. a pause that reached PostgreSQL first) looks again after this. */
const IDLE_MS = 1_000;
/** A page held back by the campaign's backlog in the delivery engine looks again after this. */
const BACKLOG_MS = 250;
/** Outcome polls per run before continue-as-new. */
const POLLS_PER_RUN = 500;

const NO_COUNTERS: CampaignRunCounters = { pages: 0, processed: 0, sent: 0, skipped: 0, deferred: 0, runs: 0 };

export async function runCampaign(input: RunCampaignInput): Promise<RunCampaignResult> {
  const counters: CampaignRunCounters = { ...NO_COUNTERS, ...input.counters };
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  const pollMs = input.outcomePollMs ?? DEFAULT_OUTCOME_POLL_MS;
  const { campaignId } = input;
  let paused = input.paused ?? false;
  let cancelled = false;
  let throttle = input.throttleMps;
  let phase: CampaignProgress['status'] = 'scheduled';
  // Every signal bumps this: any wait below ends at once and looks at the new state.
  let changes = 0;
  setHandler(pauseCampaignSignal, () => void ((paused = true), changes++));
  setHandler(resumeCampaignSignal, () => void ((paused = false), changes++));
  setHandler(cancelCampaignSignal, () => void ((cancelled = true), changes++));
  setHandler(setCampaignThrottleSignal, ({ mps }) => void ((throttle = mps), changes++));
  setHandler(campaignProgressQuery, () => ({ status: paused && phase === 'running' ? 'paused' : phase, throttleMps: throttle, counters }));

  /** Sleeps up to `ms`, or until a signal arrives. */
  const nap = async (ms: number): Promise<void> => {
    const seen = changes;
    if (ms > 0) await condition(() => changes !== seen, ms);
  };
  const next = () => continueAsNew<typeof runCampaign>({ ...input, throttleMps: throttle, paused, startAt: null, counters: { ...counters, runs: counters.runs + 1 } });

  const startAt = input.startAt ? Date.parse(input.startAt) : 0;
  while (!cancelled && Date.now() < startAt) await nap(startAt - Date.now());
  if (!cancelled && counters.runs === 0) await setCampaignStatus({ campaignId, from: ['scheduled'], to: 'running' });
  phase = 'running';

  let pagesThisRun = 0;
  while (!cancelled) {
    if (paused) {
      await condition(() => !paused || cancelled);
      continue;
    }
    if (pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested) return next();
    const rate = throttle;
    const limit = rate ? Math.max(1, Math.min(pageSize, Math.floor((rate * PACE_WINDOW_MS) / 1000))) : pageSize;
    const page = await prepareCampaignPage({ campaignId, limit });
    // Paced from the page's end (workflow time is that of the task, so a start time read before the activity could be stale): never over the rate.
    const handedAt = Date.now();
    pagesThisRun += 1;
    if (page.processed > 0) counters.pages += 1;
    counters.processed += page.processed;
    counters.sent += page.sent;
    counters.skipped += page.skipped;
    counters.deferred += page.deferred;
    if (page.remaining === 0) break;
    if (page.status === 'cancelled' || page.status === null) {
      cancelled = true;
      break;
    }
    if (page.processed === 0) {
      // Delivery has enough of this campaign waiting; or only recipients in their quiet hours are left; or the campaign is
      // paused in PostgreSQL and its signal is on its way.
      if (page.backlogged) await nap(BACKLOG_MS);
      else await nap(Math.max(IDLE_MS, page.nextDeferredAt ? Date.parse(page.nextDeferredAt) - Date.now() : IDLE_MS));
      continue;
    }
    // Paced: the next page waits until this one's messages fit the rate (a new rate applies at once).
    for (;;) {
      const due = throttle && page.sent > 0 ? handedAt + (page.sent / throttle) * 1000 - Date.now() : 0;
      if (due <= 0 || cancelled || paused) break;
      await nap(due);
    }
  }

  if (cancelled) {
    phase = 'cancelling';
    await cancelCampaign({ campaignId });
    phase = 'cancelled';
    return { status: 'cancelled', counters };
  }
  // Everything is with the delivery engine: wait for the final statuses (a cancel still takes back what no page has yet).
  phase = 'sending';
  await setCampaignStatus({ campaignId, from: ['running', 'paused'], to: 'sending' });
  for (let polls = 0; !cancelled; polls += 1) {
    if ((await campaignInFlight({ campaignId })) === 0) {
      await setCampaignStatus({ campaignId, from: ['sending'], to: 'completed' });
      phase = 'completed';
      return { status: 'completed', counters };
    }
    if (polls >= POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) return next();
    await nap(pollMs);
  }
  phase = 'cancelling';
  await cancelCampaign({ campaignId });
  phase = 'cancelled';
  return { status: 'cancelled', counters };
}
