// verifyPhone against Temporal's time-skipping test server, activities stubbed (the message's
// sendMessage child runs for real): expiry after 10 minutes, the sixth check refused by the
// validator without history, the resend cool-down, escalation SMS → next carrier → voice call
// when no receipt comes, and a newer verification cancelling the older one.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  checkCodeUpdate,
  messageWorkflowId,
  resendCodeUpdate,
  VerificationRefusals,
  verificationWorkflowId,
  VerifyPhoneInput,
  VerifyPhoneResult,
} from '@app/contracts';
import { mergedSteps, type MessageActivities, type SingleMessageSteps } from '../activities/messages/message.activities';
import type { VerificationActivities } from '../activities/verifications/verification.activities';
import { startTimeSkipping } from '../test/support/time-skipping';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  ({ env, workflowBundle } = await startTimeSkipping({ searchAttributes: true }));
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

interface Calls {
  sends: { verificationId: string; send: number; rotate: boolean; channel: string; messageId: string }[];
  compares: number;
  finished: { verificationId: string; status: string }[];
  submits: string[];
  voiceCalls: number;
  finalized: { messageId: string; status: string; channel?: string }[];
}

function activities(calls: Calls, over: Partial<VerificationActivities & MessageActivities> = {}, older: Record<string, string[]> = {}) {
  const verification: VerificationActivities = {
    olderVerifications: async ({ verificationId }) => older[verificationId] ?? [],
    sendCode: async ({ verificationId, channel, send, rotate }) => {
      const messageId = randomUUID();
      calls.sends.push({ verificationId, send, rotate, channel, messageId });
      return { messageId, channel, rotated: rotate };
    },
    compareCode: async ({ digest }) => {
      calls.compares += 1;
      return { match: digest === 'right-digest' };
    },
    finishVerification: async (f) => {
      calls.finished.push(f);
    },
  };
  const single: SingleMessageSteps = {
    checkRecipient: async () => ({ outcome: 'clear' }),
    planRoute: async () => ({
      carriers: ['alpha', 'beta'],
      receiptTimeoutMs: 30_000,
      backoff: { initialMs: 1_000, maxMs: 5_000, multiplier: 2 },
      routingVersion: 1,
      ruleId: 'default',
      priority: 'otp',
      voiceFallback: true,
      sendAt: null,
    }),
    // No carrier ever sends a receipt.
    submitToCarrier: async ({ carrierId, attempt }) => {
      calls.submits.push(carrierId);
      return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [] };
    },
    recordAttemptOutcome: async () => undefined,
    finalizeMessage: async (f) => {
      calls.finalized.push({ messageId: f.messageId, status: f.status, channel: f.channel });
    },
    callWithVoice: async () => {
      calls.voiceCalls += 1;
      return { outcome: 'answered', callId: 'call-1' };
    },
  };
  const message: MessageActivities = { ...single, ...mergedSteps(single) };
  return { ...verification, ...message, ...over };
}

const newCalls = (): Calls => ({ sends: [], compares: 0, finished: [], submits: [], voiceCalls: 0, finalized: [] });

async function withWorker<T>(calls: Calls, run: (taskQueue: string) => Promise<T>, over: Partial<VerificationActivities & MessageActivities> = {}, older: Record<string, string[]> = {}): Promise<T> {
  const taskQueue = `verify-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: activities(calls, over, older) });
  return worker.runUntil(async () => {
    try {
      return await run(taskQueue);
    } finally {
      // Message workflows outlive their verification (ABANDON): end those still running, or
      // their timers would hold the test server's clock for the next test.
      for (const { messageId } of calls.sends) await env.client.workflow.getHandle(messageWorkflowId(messageId)).terminate('test over').catch(() => undefined);
    }
  });
}

const input = (over: Partial<VerifyPhoneInput> = {}): VerifyPhoneInput => ({
  verificationId: randomUUID(),
  accountId: randomUUID(),
  channel: 'sms',
  expiresAt: '',
  policy: { maxChecks: 5, maxSends: 5, resendCooldownMs: 30_000, keepCodeOnResend: true },
  ...over,
});

/** Starts verifyPhone with an expiry `minutes` from the test server's current time. */
async function start(taskQueue: string, over: Partial<VerifyPhoneInput> = {}, minutes = 10) {
  const now = await env.currentTimeMs();
  const args = input({ ...over, expiresAt: new Date(now + minutes * 60_000).toISOString() });
  const handle = await env.client.workflow.start('verifyPhone', { taskQueue, workflowId: verificationWorkflowId(args.verificationId), args: [args] });
  return { handle, args, startedAt: now };
}

/**
 * The error of an update the workflow refused. The time-skipping test server leaves its clock
 * locked after an update its validator refused (observed: later sleeps ran in real time), not
 * after one refused because the workflow had ended; unlocking once more puts it back.
 */
async function refusal(update: Promise<unknown>): Promise<unknown> {
  const err = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof WorkflowUpdateFailedError) await env.connection.testService!.unlockTimeSkipping({});
  if (err === undefined) throw new Error('the update was accepted');
  return err;
}

const refusalType = (err: unknown) => (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : undefined);

async function eventTypes(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  // The event's kind, from its attributes field (e.g. workflowExecutionUpdateAccepted).
  return history.events!.map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? '');
}

it('expires after 10 minutes without a right code', async () => {
  const calls = newCalls();
  const { result, elapsedMs } = await withWorker(calls, async (taskQueue) => {
    const { handle, startedAt } = await start(taskQueue);
    const out = (await handle.result()) as VerifyPhoneResult;
    const elapsed = (await env.currentTimeMs()) - startedAt;
    // Too late: refused, and nothing about it in the history.
    expect(await refusal(handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] }))).toBeInstanceOf(Error);
    expect((await eventTypes(handle.workflowId)).filter((t) => t.startsWith('workflowExecutionUpdate'))).toEqual([]);
    return { result: out, elapsedMs: elapsed };
  });
  expect(result).toEqual({ status: 'expired', checks: 0, sends: 1 });
  expect(elapsedMs).toBeGreaterThanOrEqual(10 * 60_000);
  expect(calls.finished).toEqual([expect.objectContaining({ status: 'expired' })]);
}, 60_000);

it('answers max_attempts at the fifth wrong code and refuses a sixth check', async () => {
  const calls = newCalls();
  await withWorker(calls, async (taskQueue) => {
    const { handle } = await start(taskQueue);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push((await handle.executeUpdate(checkCodeUpdate, { args: [{ digest: `wrong-${i}` }] })).status);
    expect(answers).toEqual(['pending', 'pending', 'pending', 'pending', 'max_attempts']);
    expect(await handle.result()).toEqual({ status: 'max_attempts', checks: 5, sends: 1 });
    expect(await refusal(handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] }))).toBeInstanceOf(Error);
    expect(await eventTypes(handle.workflowId)).toEqual(expect.arrayContaining(['workflowExecutionCompletedEventAttributes']));
    expect(calls.compares).toBe(5);

  });
}, 60_000);

it('refuses the sixth of six concurrent checks in its validator, without history', async () => {
  const calls = newCalls();
  await withWorker(
    calls,
    async (taskQueue) => {
      const { handle } = await start(taskQueue);
      const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => handle.executeUpdate(checkCodeUpdate, { args: [{ digest: `wrong-${i}` }] })));
      const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect(refusalType(refused[0].reason)).toBe(VerificationRefusals.maxAttempts);
      expect(await handle.result()).toMatchObject({ status: 'max_attempts', checks: 5 });
      // The refused update's clock lock (see refusal()), released once the workflow is done.
      await env.connection.testService!.unlockTimeSkipping({});
      const updates = (await eventTypes(handle.workflowId)).filter((t) => t === 'workflowExecutionUpdateAcceptedEventAttributes');
      expect(updates).toHaveLength(5);
    },
    // A slow comparison: all six are in flight together.
    { compareCode: async () => (await new Promise((r) => setTimeout(r, 300)), { match: false }) },
  );
}, 60_000);

it('escalates SMS → the next carrier → a voice call when no receipt comes, each step with its own timer in the history', async () => {
  const calls = newCalls();
  await withWorker(calls, async (taskQueue) => {
    const { handle } = await start(taskQueue);
    // Let the child run through both carriers' receipt waits and the call.
    await env.sleep(2 * 60_000);
    const verifyEvents = await eventTypes(handle.workflowId);
    expect(verifyEvents).toContain('startChildWorkflowExecutionInitiatedEventAttributes');
    const child = (await handle.fetchHistory()).events!.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!;
    expect(child).toBe(messageWorkflowId(child.slice('msg-'.length)));
    const childHistory = await env.client.workflow.getHandle(child).fetchHistory();
    const steps = childHistory.events!.flatMap((e): string[] => {
      if (e.timerStartedEventAttributes) return [`timer ${Number(e.timerStartedEventAttributes.startToFireTimeout!.seconds)}s`];
      if (e.activityTaskScheduledEventAttributes) return [e.activityTaskScheduledEventAttributes.activityType!.name!];
      return [];
    });
    // Receipt wait on alpha, backoff, receipt wait on beta, then the call.
    expect(steps.filter((s) => s === 'timer 30s')).toHaveLength(2);
    expect(steps[steps.length - 1]).toBe('callWithVoice');
    expect(calls.submits).toEqual(['alpha', 'beta']);
    expect(calls.voiceCalls).toBe(1);
    expect(calls.finalized).toContainEqual(expect.objectContaining({ status: 'delivered', channel: 'voice' }));
    expect(await handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] })).toMatchObject({ status: 'approved' });
    await handle.result();
  });
}, 60_000);

it('a new verification of the number cancels the older pending one', async () => {
  const calls = newCalls();
  const olderId = randomUUID();
  const newerId = randomUUID();
  await withWorker(
    calls,
    async (taskQueue) => {
      const older = await start(taskQueue, { verificationId: olderId });
      await env.sleep(1_000);
      const newer = await start(taskQueue, { verificationId: newerId });
      expect(await older.handle.result()).toMatchObject({ status: 'cancelled' });
      const refused = await refusal(older.handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] }));
      expect(refused).toBeInstanceOf(Error);
      expect(await newer.handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] })).toMatchObject({ status: 'approved' });
      await newer.handle.result();
    },
    {},
    { [newerId]: [olderId] },
  );
  expect(calls.finished).toEqual(expect.arrayContaining([{ verificationId: olderId, status: 'cancelled' }, { verificationId: newerId, status: 'approved' }]));
}, 60_000);

// Last: a validator's refusal seems to leave the test server's clock locked, so the 30 s below
// pass in real time (and would hold later tests' timers).
it('keeps a resend cool-down of 30 s, then resends keeping the code', async () => {
  const calls = newCalls();
  await withWorker(calls, async (taskQueue) => {
    const { handle, args } = await start(taskQueue);
    const early = await refusal(handle.executeUpdate(resendCodeUpdate, { args: [{}] }));
    expect(refusalType(early)).toBe(VerificationRefusals.cooldown);
    const leftMs = ((early as WorkflowUpdateFailedError).cause as ApplicationFailure).details?.[0] as number;
    expect(leftMs).toBeGreaterThan(25_000);
    expect(leftMs).toBeLessThanOrEqual(30_000);
    await env.sleep(30_000);
    expect(await handle.executeUpdate(resendCodeUpdate, { args: [{ channel: 'voice' }] })).toEqual({ channel: 'voice', sends: 2 });
    expect(calls.sends.map((s) => [s.send, s.rotate, s.channel])).toEqual([
      [1, true, 'sms'],
      [2, false, 'voice'],
    ]);
    expect(await handle.executeUpdate(checkCodeUpdate, { args: [{ digest: 'right-digest' }] })).toEqual({ status: 'approved', checks: 1 });
    expect(await handle.result()).toEqual({ status: 'approved', checks: 1, sends: 2 });
    expect(calls.sends[0].verificationId).toBe(args.verificationId);
  });
  // The voice send: a call, its message finalized as delivered by voice.
  expect(calls.voiceCalls).toBe(1);
  expect(calls.finalized).toContainEqual(expect.objectContaining({ status: 'delivered', channel: 'voice' }));
}, 60_000);
