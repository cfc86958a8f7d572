// sendBatch against Temporal's time-skipping test server with its activities stubbed: the
// attempt loop of a page (submit, wait for receipts or the receipt wait, backoff, next attempt,
// finish).
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { batchReceiptsInSignal, batchWorkflowId, SendBatchResult, SubmitBatchResult } from '@app/contracts';
import type { BatchActivities } from '../activities/batches/batch.activities';
import { SAFETY_CHECK_MS } from './send-batch.workflow';
import { startTimeSkipping } from '../test/support/time-skipping';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  ({ env, workflowBundle } = await startTimeSkipping());
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

async function run(activities: Partial<BatchActivities>, maxAttempts = 3): Promise<SendBatchResult> {
  const taskQueue = `batch-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  const batchId = randomUUID();
  return worker.runUntil(env.client.workflow.execute('sendBatch', { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, accountIds: [], maxAttempts }] }));
}

const NO_BACKOFF = { initialMs: 0, maxMs: 0, multiplier: 1 };
const submitted = (n: number, receiptWaitMs = 60_000): SubmitBatchResult => ({ submitted: n, failed: 0, receiptWaitMs, backoff: NO_BACKOFF });

it('ends after one attempt, with no second submit, when every receipt is in and every message final', async () => {
  const calls: string[] = [];
  const result = await run({
    submitBatch: async ({ attempt }) => (calls.push(`submit ${attempt}`), attempt === 1 ? submitted(3) : submitted(0)),
    awaitingReceipts: async () => (calls.push('poll'), calls.filter((c) => c === 'poll').length < 3 ? 1 : 0),
    undecidedMessages: async () => (calls.push('undecided'), 0),
    finishBatch: async () => (calls.push('finish'), { failed: 0 }),
  });
  expect(result).toEqual({ attempts: 1, failed: 0 });
  expect(calls).toEqual(['submit 1', 'poll', 'poll', 'poll', 'undecided', 'finish']);
});

it('makes the next attempt when every receipt is in but some said UNDELIV', async () => {
  const calls: string[] = [];
  const result = await run({
    submitBatch: async ({ attempt }) => (calls.push(`submit ${attempt}`), attempt === 1 ? submitted(3) : attempt === 2 ? submitted(1) : submitted(0)),
    awaitingReceipts: async () => (calls.push('poll'), 0),
    undecidedMessages: async () => (calls.push('undecided'), calls.includes('submit 2') ? 0 : 1),
    finishBatch: async () => (calls.push('finish'), { failed: 0 }),
  });
  expect(result).toEqual({ attempts: 2, failed: 0 });
  expect(calls).toEqual(['submit 1', 'poll', 'undecided', 'submit 2', 'poll', 'undecided', 'finish']);
});

it('wakes at once when the receipt router signals that an attempt may be complete, instead of at its safety check', async () => {
  const taskQueue = `batch-${randomUUID()}`;
  const calls: string[] = [];
  let signalled = false;
  let firstPoll: () => void = () => undefined;
  const polled = new Promise<void>((resolve) => (firstPoll = resolve));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: {
      submitBatch: async ({ attempt }: { attempt: number }) => (calls.push(`submit ${attempt}`), attempt === 1 ? submitted(2, 3_600_000) : submitted(0)),
      awaitingReceipts: async () => (calls.push('poll'), firstPoll(), signalled ? 0 : 2),
      undecidedMessages: async () => 0,
      finishBatch: async () => (calls.push('finish'), { failed: 0 }),
    },
  });
  const batchId = randomUUID();
  const result = await worker.runUntil(async () => {
    // Started, not executed: time is not skipped until the result is awaited.
    const handle = await env.client.workflow.start('sendBatch', { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, accountIds: [], maxAttempts: 3 }] });
    await polled;
    signalled = true;
    await handle.signal(batchReceiptsInSignal, { attempt: 1 });
    const out = (await handle.result()) as SendBatchResult;
    const { events } = await handle.fetchHistory();
    return { out, timers: events!.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds)), fired: events!.filter((e) => e.timerFiredEventAttributes).length };
  });
  expect(result.out).toEqual({ attempts: 1, failed: 0 });
  expect(calls).toEqual(['submit 1', 'poll', 'poll', 'finish']);
  // The page waited on its safety-check timer, and the signal, not the timer, ended the wait.
  expect(result.timers).toEqual([SAFETY_CHECK_MS / 1000]);
  expect(result.fired).toBe(0);
});

it('moves to the next attempt after the receipt wait, and fails what is left at the end (time skipped)', async () => {
  const attempts: number[] = [];
  const before = await env.currentTimeMs();
  const result = await run({
    submitBatch: async ({ attempt }) => (attempts.push(attempt), submitted(2, 3_600_000)),
    awaitingReceipts: async () => 2,
    finishBatch: async ({ receiptWaitMs }) => ({ failed: receiptWaitMs === 3_600_000 ? 2 : -1 }),
  });
  expect(attempts).toEqual([1, 2, 3]);
  expect(result).toEqual({ attempts: 3, failed: 2 });
  expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * 3_600_000);
});

it('pauses between attempts by the backoff the rules give, as a message\u2019s own workflow does (time skipped)', async () => {
  const at: number[] = [];
  const backoff = { initialMs: 40_000, maxMs: 40_000, multiplier: 1 };
  const result = await run({
    submitBatch: async ({ attempt }) => (at.push(await env.currentTimeMs()), attempt < 3 ? { submitted: 0, failed: 1, receiptWaitMs: 0, backoff } : submitted(0)),
    finishBatch: async () => ({ failed: 1 }),
  });
  expect(result).toEqual({ attempts: 2, failed: 1 });
  // Equal jitter: between half the base and the base.
  expect(at[1] - at[0]).toBeGreaterThanOrEqual(20_000);
  expect(at[2] - at[1]).toBeGreaterThanOrEqual(20_000);
});

it('tries the next attempt without a receipt wait when submits failed and nothing awaits a receipt', async () => {
  const attempts: number[] = [];
  let polls = 0;
  const result = await run({
    submitBatch: async ({ attempt }) => (attempts.push(attempt), attempt < 3 ? { submitted: 0, failed: 1, receiptWaitMs: 0, backoff: NO_BACKOFF } : submitted(0)),
    awaitingReceipts: async () => (polls++, 0),
    finishBatch: async () => ({ failed: 1 }),
  });
  expect(attempts).toEqual([1, 2, 3]);
  expect(polls).toBe(0);
  expect(result).toEqual({ attempts: 2, failed: 1 });
});
