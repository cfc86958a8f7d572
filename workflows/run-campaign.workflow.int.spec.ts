// runCampaign against Temporal's time-skipping test server with its activities stubbed by a
// small in-memory audience: pause and resume, cancel, quiet hours, a throttle change, the
// schedule, and continue-as-new keeping the counters.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  campaignProgressQuery,
  CampaignPageResult,
  campaignWorkflowId,
  cancelCampaignSignal,
  pauseCampaignSignal,
  resumeCampaignSignal,
  RunCampaignInput,
  RunCampaignResult,
  setCampaignThrottleSignal,
} from '@app/contracts';
import type { CampaignActivities } from '../activities/campaigns/campaign.activities';
import { startTimeSkipping } from '../test/support/time-skipping';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  ({ env, workflowBundle } = await startTimeSkipping());
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

/** An audience of `size` recipients handed over `limit` per page; `deferred` of them wait for their quiet hours first. */
function fakeAudience(size: number, { deferredUntil }: { deferredUntil?: () => number } = {}) {
  let handed = 0;
  /** at: the test server's clock when the page ran; scheduledAt: when the workflow asked for it. */
  const calls: { at: number; scheduledAt: number; limit: number; processed: number }[] = [];
  const statuses: string[] = [];
  let cancelled = false;
  const activities: Partial<CampaignActivities> = {
    async prepareCampaignPage({ limit }): Promise<CampaignPageResult> {
      const at = await env.currentTimeMs();
      const scheduledAt = Context.current().info.scheduledTimestampMs;
      const quietUntil = deferredUntil?.();
      if (cancelled || (quietUntil !== undefined && at < quietUntil)) {
        calls.push({ at, scheduledAt, limit, processed: 0 });
        return { processed: 0, sent: 0, skipped: 0, deferred: 0, remaining: size - handed, nextDeferredAt: quietUntil ? new Date(quietUntil).toISOString() : null };
      }
      const n = Math.min(limit, size - handed);
      handed += n;
      calls.push({ at, scheduledAt, limit, processed: n });
      return { processed: n, sent: n, skipped: 0, deferred: 0, remaining: size - handed, nextDeferredAt: null };
    },
    async setCampaignStatus({ to }) {
      statuses.push(to);
      return true;
    },
    async cancelCampaign() {
      cancelled = true;
      statuses.push('cancelled');
      return { cancelledMessages: size - handed };
    },
    async campaignInFlight() {
      return 0;
    },
  };
  return { activities, calls, statuses, handed: () => handed };
}

async function start(activities: Partial<CampaignActivities>, input: Partial<RunCampaignInput>) {
  const taskQueue = `campaign-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  const campaignId = randomUUID();
  const run = async <T>(fn: (handle: Awaited<ReturnType<typeof env.client.workflow.start>>) => Promise<T>) =>
    worker.runUntil(async () => {
      const handle = await env.client.workflow.start('runCampaign', {
        taskQueue,
        workflowId: campaignWorkflowId(campaignId),
        args: [{ campaignId, accountId: randomUUID(), throttleMps: null, outcomePollMs: 1000, ...input } satisfies RunCampaignInput],
      });
      return fn(handle);
    });
  return run;
}

const until = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await check()); i += 1) await new Promise((r) => setTimeout(r, 25));
  if (!(await check())) throw new Error('condition not reached');
};

it('hands the audience over page by page at the throttle, then completes', async () => {
  const audience = fakeAudience(50);
  const run = await start(audience.activities, { throttleMps: 10 });
  const result = (await run((h) => h.result())) as RunCampaignResult;
  expect(result).toEqual({ status: 'completed', counters: { pages: 5, processed: 50, sent: 50, skipped: 0, deferred: 0, runs: 0 } });
  // At 10 messages per second: pages of 10, one second apart (workflow time).
  expect(audience.calls.map((c) => c.limit)).toEqual([10, 10, 10, 10, 10]);
  // Measured where the workflow asked for each page.
  const gaps = audience.calls.slice(1).map((c, i) => c.scheduledAt - audience.calls[i].scheduledAt);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  expect(audience.statuses).toEqual(['running', 'sending', 'completed']);
});

it('stops handing over once paused, and resumes where it stopped', async () => {
  const audience = fakeAudience(100);
  const run = await start(audience.activities, { throttleMps: 10 });
  const result = (await run(async (handle) => {
    await until(() => audience.handed() >= 30);
    await handle.signal(pauseCampaignSignal);
    await until(async () => (await handle.query(campaignProgressQuery)).status === 'paused');
    const atPause = audience.handed();
    // At most the page that was running when the pause came.
    expect(atPause).toBeLessThanOrEqual(40);
    await env.sleep(3_600_000); // an hour of workflow time
    expect(audience.handed()).toBe(atPause);
    await handle.signal(resumeCampaignSignal);
    return handle.result();
  })) as RunCampaignResult;
  expect(result.status).toBe('completed');
  expect(result.counters.processed).toBe(100);
  expect(audience.handed()).toBe(100);
});

it('cancels: stops handing over, cancels what is left and reports what was sent', async () => {
  const audience = fakeAudience(100);
  const run = await start(audience.activities, { throttleMps: 10 });
  const result = (await run(async (handle) => {
    await until(() => audience.handed() >= 20);
    await handle.signal(cancelCampaignSignal);
    return handle.result();
  })) as RunCampaignResult;
  expect(result.status).toBe('cancelled');
  expect(result.counters.sent).toBe(audience.handed());
  expect(audience.handed()).toBeLessThan(100);
  expect(audience.statuses.at(-1)).toBe('cancelled');
});

it('ends as cancelled when a page finds the campaign cancelled in PostgreSQL (a cancel whose signal never came)', async () => {
  const audience = fakeAudience(100);
  const prepare = audience.activities.prepareCampaignPage!;
  let pages = 0;
  audience.activities.prepareCampaignPage = async (args) => {
    pages += 1;
    return pages < 3 ? prepare(args) : { processed: 0, sent: 0, skipped: 0, deferred: 0, remaining: 80, nextDeferredAt: null, status: 'cancelled' };
  };
  const run = await start(audience.activities, { throttleMps: 10 });
  const result = (await run((h) => h.result())) as RunCampaignResult;
  expect(result.status).toBe('cancelled');
  expect(result.counters.sent).toBe(20);
  expect(audience.statuses.at(-1)).toBe('cancelled');
});

it('looks again shortly while delivery has enough of the campaign queued', async () => {
  const audience = fakeAudience(30);
  const prepare = audience.activities.prepareCampaignPage!;
  let calls = 0;
  audience.activities.prepareCampaignPage = async (args) => {
    calls += 1;
    return calls === 2 || calls === 3 ? { processed: 0, sent: 0, skipped: 0, deferred: 0, remaining: 20, nextDeferredAt: null, backlogged: true } : prepare(args);
  };
  const run = await start(audience.activities, { pageSize: 10 });
  const result = (await run((h) => h.result())) as RunCampaignResult;
  expect(result.counters).toMatchObject({ pages: 3, processed: 30 });
  expect(calls).toBe(5);
});

it('holds recipients in their quiet hours until the window opens', async () => {
  const opensAt = (await env.currentTimeMs()) + 9 * 3_600_000;
  const audience = fakeAudience(20, { deferredUntil: () => opensAt });
  const run = await start(audience.activities, {});
  const result = (await run((h) => h.result())) as RunCampaignResult;
  expect(result.counters.processed).toBe(20);
  const firstSend = audience.calls.find((c) => c.processed > 0)!;
  expect(firstSend.at).toBeGreaterThanOrEqual(opensAt);
  // It slept until the window (a few polls, not one per second for nine hours).
  expect(audience.calls.filter((c) => c.processed === 0).length).toBeLessThan(5);
});

it('applies a throttle change within two seconds, even in the middle of a long wait', async () => {
  const audience = fakeAudience(30);
  // 0.1 messages per second: one message, then ten seconds until the next.
  const run = await start(audience.activities, { throttleMps: 0.1 });
  const result = (await run(async (handle) => {
    await until(() => audience.calls.length >= 1);
    const signalledAt = await env.currentTimeMs();
    await handle.signal(setCampaignThrottleSignal, { mps: 100 });
    await until(() => audience.calls.length >= 2);
    expect(audience.calls[1].at - signalledAt).toBeLessThan(2000);
    expect(audience.calls[1].limit).toBe(100);
    return handle.result();
  })) as RunCampaignResult;
  expect(result.counters.processed).toBe(30);
});

it('waits for the scheduled start', async () => {
  const startAt = (await env.currentTimeMs()) + 24 * 3_600_000;
  const audience = fakeAudience(5);
  const run = await start(audience.activities, { startAt: new Date(startAt).toISOString() });
  await run((h) => h.result());
  expect(audience.calls[0].at).toBeGreaterThanOrEqual(startAt);
});

it('continues as new every few pages and keeps its counters', async () => {
  const audience = fakeAudience(55);
  const run = await start(audience.activities, { pageSize: 10, pagesPerRun: 2 });
  const result = (await run((h) => h.result())) as RunCampaignResult;
  expect(result.status).toBe('completed');
  expect(result.counters).toEqual({ pages: 6, processed: 55, sent: 55, skipped: 0, deferred: 0, runs: 2 });
});
