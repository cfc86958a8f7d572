// sendBatch against Temporal's time-skipping test server with its activities stubbed: the
// attempt loop of a bulk page (claim, submit, wait for receipts or the receipt wait, next
// attempt, finish).
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { batchWorkflowId } from '@app/contracts';
import { workflowBundlerOptions } from '@app/temporal';
import type { BatchActivities, SubmitBatchResult } from '../activities/batches/batch.activities';
import type { SendBatchResult } from './send-batch.workflow';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveTestServer } = require('../scripts/temporal-cli.js') as { resolveTestServer: () => string | undefined };

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  const path = resolveTestServer();
  if (!path) throw new Error('time-skipping test server missing: run `node scripts/setup.js --test`');
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  workflowBundle = await bundleWorkflowCode({ ...workflowBundlerOptions(), logger: quiet as never });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

async function run(activities: Partial<BatchActivities>, maxAttempts = 3): Promise<SendBatchResult> {
  const taskQueue = `batch-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  const batchId = randomUUID();
  return worker.runUntil(env.client.workflow.execute('sendBatch', { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, pageSize: 500, maxAttempts }] }));
}

const submitted = (n: number, receiptWaitMs = 60_000): SubmitBatchResult => ({ submitted: n, failed: 0, receiptWaitMs });

it('ends after one attempt when every receipt is in', async () => {
  const calls: string[] = [];
  const result = await run({
    claimBatch: async () => 3,
    submitBatch: async ({ attempt }) => (calls.push(`submit ${attempt}`), attempt === 1 ? submitted(3) : submitted(0)),
    awaitingReceipts: async () => (calls.push('poll'), calls.filter((c) => c === 'poll').length < 3 ? 1 : 0),
    finishBatch: async ({ lastAttempt }) => (calls.push(`finish ${lastAttempt}`), { failed: 0 }),
  });
  expect(result).toEqual({ claimed: 3, attempts: 1, failed: 0 });
  expect(calls).toEqual(['submit 1', 'poll', 'poll', 'poll', 'submit 2', 'finish 1']);
});

it('moves to the next attempt after the receipt wait, and fails what is left at the end (time skipped)', async () => {
  const attempts: number[] = [];
  const before = await env.currentTimeMs();
  const result = await run({
    claimBatch: async () => 2,
    submitBatch: async ({ attempt }) => (attempts.push(attempt), submitted(2, 3_600_000)),
    awaitingReceipts: async () => 2,
    finishBatch: async ({ lastAttempt }) => ({ failed: lastAttempt === 3 ? 2 : -1 }),
  });
  expect(attempts).toEqual([1, 2, 3]);
  expect(result).toEqual({ claimed: 2, attempts: 3, failed: 2 });
  expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * 3_600_000);
});

it('does nothing when another page claimed the messages first', async () => {
  let submits = 0;
  const result = await run({ claimBatch: async () => 0, submitBatch: async () => (submits++, submitted(0)) });
  expect(result).toEqual({ claimed: 0, attempts: 0, failed: 0 });
  expect(submits).toBe(0);
});

it('tries the next attempt at once when submits failed but nothing awaits a receipt', async () => {
  const attempts: number[] = [];
  const result = await run({
    claimBatch: async () => 1,
    submitBatch: async ({ attempt }) => (attempts.push(attempt), attempt < 3 ? { submitted: 0, failed: 1, receiptWaitMs: 0 } : submitted(0)),
    finishBatch: async () => ({ failed: 1 }),
  });
  expect(attempts).toEqual([1, 2, 3]);
  expect(result).toEqual({ claimed: 1, attempts: 2, failed: 1 });
});
