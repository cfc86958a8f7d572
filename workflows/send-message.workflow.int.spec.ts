// sendMessage against Temporal's time-skipping test server, activities stubbed: failover,
// receipt timeouts (hours of waiting skipped), early receipts, multipart
// receipts, scheduled sends and cancellation.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import {
  CarrierReceipt,
  FailureTypes,
  RoutePlan,
  SendMessageResult,
  cancelMessageUpdate,
  carrierReceiptSignal,
  carrierTaskQueue,
  messageWorkflowId,
} from '@app/contracts';
import { mergedSteps, type MessageActivities, type SingleMessageSteps } from '../activities/messages/message.activities';
import { startTimeSkipping } from '../test/support/time-skipping';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  ({ env, workflowBundle } = await startTimeSkipping({ searchAttributes: true }));
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

type Stubs = Partial<MessageActivities>;
interface Calls {
  submits: { carrierId: string; attempt: number }[];
  outcomes: { carrierId: string; outcome: string }[];
  finalized: { status: string; reason?: string }[];
  voiceCalls: number;
}

const receipt = (carrierId: string, carrierMessageId: string, state: CarrierReceipt['state'], errorCode = '000'): CarrierReceipt => ({
  carrierId,
  carrierMessageId,
  state,
  errorCode,
  receivedAt: new Date().toISOString(),
});

function stubs(plan: Partial<RoutePlan>, overrides: Stubs, calls: Calls): MessageActivities {
  const base: SingleMessageSteps = {
    checkRecipient: async () => ({ outcome: 'clear' }),
    planRoute: async () => ({
      carriers: ['alpha', 'beta'],
      receiptTimeoutMs: 120_000,
      backoff: { initialMs: 0, maxMs: 0, multiplier: 1 },
      routingVersion: 1,
      ruleId: 'default',
      priority: 'transactional',
      voiceFallback: false,
      sendAt: null,
      ...plan,
    }),
    submitToCarrier: async ({ carrierId, attempt }) => {
      calls.submits.push({ carrierId, attempt });
      return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [] };
    },
    recordAttemptOutcome: async (o) => {
      calls.outcomes.push({ carrierId: o.carrierId, outcome: o.outcome });
    },
    finalizeMessage: async (f) => {
      calls.finalized.push({ status: f.status, reason: f.reason });
    },
    callWithVoice: async () => {
      calls.voiceCalls += 1;
      return { outcome: 'answered', callId: 'call-1' };
    },
  };
  const single = { ...base, ...overrides } as SingleMessageSteps;
  return { ...single, ...mergedSteps(single), ...overrides };
}

async function run(
  plan: Partial<RoutePlan>,
  overrides: Stubs,
  drive: (messageId: string) => Promise<void> = async () => undefined,
): Promise<{ result: SendMessageResult; calls: Calls; submitTimesMs: number[] }> {
  const calls: Calls = { submits: [], outcomes: [], finalized: [], voiceCalls: 0 };
  const taskQueue = `test-${randomUUID()}`;
  const activities = stubs(plan, overrides, calls);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  // Submits run on per-carrier task queues, as in the real worker.
  const carrierWorkers = await Promise.all(
    ['alpha', 'beta', 'gamma'].map((carrierId) =>
      Worker.create({ connection: env.nativeConnection, taskQueue: carrierTaskQueue(taskQueue, carrierId), activities: { submitToCarrier: activities.submitToCarrier } }),
    ),
  );
  const carrierRuns = carrierWorkers.map((w) => w.run());
  const messageId = randomUUID();
  let submitTimesMs: number[] = [];
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('sendMessage', {
      taskQueue,
      workflowId: messageWorkflowId(messageId),
      args: [{ messageId, accountId: randomUUID() }],
    });
    await drive(messageId);
    const out = (await handle.result()) as SendMessageResult;
    // When each submit was scheduled, from the workflow's own history (server time, skips included).
    const history = await handle.fetchHistory();
    submitTimesMs = history
      .events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitToCarrier')
      .map((e) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6));
    return out;
  });
  for (const w of carrierWorkers) w.shutdown();
  await Promise.all(carrierRuns);
  return { result, calls, submitTimesMs };
}

/** Sends a receipt once the workflow has submitted to `carrierId`. */
function receiptAfterSubmit(carrierId: string, attempt: number, state: CarrierReceipt['state']) {
  return async (messageId: string) => {
    const handle = env.client.workflow.getHandle(messageWorkflowId(messageId));
    for (let i = 0; i < 200; i += 1) {
      const history = await handle.fetchHistory();
      const submitted = history.events?.filter((e) => e.activityTaskCompletedEventAttributes).length ?? 0;
      // planRoute + submit(s) + outcomes completed: wait until this attempt's submit completed
      if (submitted >= 1 + attempt + (attempt - 1)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await handle.signal(carrierReceiptSignal, receipt(carrierId, `${carrierId}-${attempt}`, state));
  };
}

describe('sendMessage', () => {
  it('checks a scheduled message again at its time: an opt-out while it waited ends it rejected, unsent', async () => {
    let checks = 0;
    const error = { code: 'recipient_opted_out', rawCode: 'opt-out event 8' };
    const { result, calls } = await run(
      // Two seconds, in real time if need be (see 'waits for its scheduled time' below).
      { sendAt: new Date((await env.currentTimeMs()) + 2000).toISOString() },
      {
        checkRecipient: async () => {
          checks += 1;
          return checks === 1 ? { outcome: 'clear' } : { outcome: 'rejected', optOutEventId: '8', reason: 'the recipient opted out', error };
        },
      },
    );
    expect(checks).toBe(2);
    expect(result).toEqual({ status: 'rejected', attempts: 0, reason: 'the recipient opted out', error });
    expect(calls.submits).toEqual([]);
  });

  it('ends rejected before routing when the recipient opted out: no route planned, no carrier reached', async () => {
    let planned = 0;
    const error = { code: 'recipient_opted_out', rawCode: 'opt-out event 7' };
    const { result, calls } = await run(
      {},
      {
        checkRecipient: async () => ({ outcome: 'rejected', optOutEventId: '7', reason: 'the recipient opted out', error }),
        planRoute: async () => {
          planned += 1;
          throw new Error('must not be called');
        },
      },
    );
    expect(result).toEqual({ status: 'rejected', attempts: 0, reason: 'the recipient opted out', error });
    expect(planned).toBe(0);
    expect(calls.submits).toEqual([]);
  });

  it('takes the opt-out check with the route plan, and the delivered outcome with the final status, as one local step each', async () => {
    const alone = async (): Promise<never> => {
      throw ApplicationFailure.nonRetryable('a merged step was taken on its own');
    };
    const merged: string[] = [];
    const { result } = await run(
      {},
      {
        checkRecipient: alone,
        planRoute: alone,
        recordAttemptOutcome: alone,
        finalizeMessage: alone,
        prepareMessage: async () => {
          merged.push('prepareMessage');
          const plan = { carriers: ['alpha'], receiptTimeoutMs: 120_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 }, routingVersion: 1, ruleId: 'default', priority: 'transactional' as const, voiceFallback: false, sendAt: null };
          return { check: { outcome: 'clear' }, plan };
        },
        finishDelivered: async ({ outcome, final }) => {
          merged.push(`finishDelivered ${outcome.outcome} ${final.status}`);
        },
      },
      receiptAfterSubmit('alpha', 1, 'DELIVRD'),
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(merged).toEqual(['prepareMessage', 'finishDelivered delivered delivered']);
  });

  it('is delivered by the first carrier when its receipt says DELIVRD', async () => {
    const { result, calls } = await run({}, {}, receiptAfterSubmit('alpha', 1, 'DELIVRD'));
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(calls.submits).toEqual([{ carrierId: 'alpha', attempt: 1 }]);
    expect(calls.finalized).toEqual([{ status: 'delivered', reason: undefined }]);
  });

  it('submits an OTP in its own worker (a local activity), not through the carrier task queue', async () => {
    const submits: Calls['submits'] = [];
    const { result, submitTimesMs } = await run(
      { priority: 'otp' },
      {
        submitToCarrier: async ({ carrierId, attempt }) => {
          submits.push({ carrierId, attempt });
          return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] };
        },
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(submits).toEqual([{ carrierId: 'alpha', attempt: 1 }]);
    expect(submitTimesMs).toEqual([]); // no activity task was scheduled for the submit
  });

  it('fails over to the next carrier when the first rejects the submit', async () => {
    const calls: Calls['submits'] = [];
    const { result, calls: all } = await run(
      {},
      {
        submitToCarrier: async ({ carrierId, attempt }) => {
          calls.push({ carrierId, attempt });
          if (carrierId === 'alpha') throw ApplicationFailure.nonRetryable('ESME_RINVDSTADR', FailureTypes.carrierRejected);
          return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] };
        },
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(calls).toEqual([
      { carrierId: 'alpha', attempt: 1 },
      { carrierId: 'beta', attempt: 2 },
    ]);
    expect(all.outcomes).toEqual([
      { carrierId: 'alpha', outcome: 'submit_failed' },
      { carrierId: 'beta', outcome: 'delivered' },
    ]);
  });

  it('fails over when the first carrier reports UNDELIV', async () => {
    const { result, calls } = await run(
      {},
      {
        submitToCarrier: async ({ carrierId, attempt }) => ({
          carrierMessageId: `${carrierId}-${attempt}`,
          earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, carrierId === 'alpha' ? 'UNDELIV' : 'DELIVRD', carrierId === 'alpha' ? '032' : '000')],
        }),
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(calls.outcomes).toEqual([
      { carrierId: 'alpha', outcome: 'receipt_failed' },
      { carrierId: 'beta', outcome: 'delivered' },
    ]);
  });

  it('ends failed with a timeout reason when no receipt ever comes (time skipped)', async () => {
    const before = await env.currentTimeMs();
    const { result, calls } = await run({ receiptTimeoutMs: 3_600_000 }, {});
    const waited = (await env.currentTimeMs()) - before;
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(2);
    expect(result.reason).toBe('no delivery receipt from carrier beta within 3600 s');
    expect(result.error?.code).toBe('receipt_timeout');
    expect(calls.outcomes).toEqual([
      { carrierId: 'alpha', outcome: 'receipt_timeout' },
      { carrierId: 'beta', outcome: 'receipt_timeout' },
    ]);
    expect(calls.finalized).toEqual([{ status: 'failed', reason: 'no delivery receipt from carrier beta within 3600 s' }]);
    expect(waited).toBeGreaterThanOrEqual(2 * 3_600_000);
  });

  it('ignores intermediate receipts and waits for a final one', async () => {
    const { result } = await run({}, {}, async (messageId) => {
      await receiptAfterSubmit('alpha', 1, 'ENROUTE')(messageId);
      await env.client.workflow.getHandle(messageWorkflowId(messageId)).signal(carrierReceiptSignal, receipt('alpha', 'alpha-1', 'DELIVRD'));
    });
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
  });

  it('stops failover on a permanent submit error (invalid number)', async () => {
    const { result, calls } = await run(
      { carriers: ['alpha', 'beta', 'gamma'] },
      {
        submitToCarrier: async () => {
          throw ApplicationFailure.create({
            message: 'The destination number is not valid',
            type: FailureTypes.carrierPermanent,
            nonRetryable: true,
            details: [{ code: 'invalid_destination', rawCode: 'ESME_RINVDSTADR (0x0000000b)' }],
          });
        },
      },
    );
    expect(result).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'invalid_destination', rawCode: 'ESME_RINVDSTADR (0x0000000b)' } });
    expect(calls.outcomes).toEqual([{ carrierId: 'alpha', outcome: 'submit_failed' }]);
  });

  it('stops failover on a permanent receipt error (unknown subscriber)', async () => {
    const { result, calls } = await run(
      { carriers: ['alpha', 'beta'] },
      { submitToCarrier: async ({ carrierId, attempt }) => ({ carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'UNDELIV', '001')] }) },
    );
    expect(result).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'unknown_subscriber', rawCode: 'UNDELIV err:001' } });
    expect(calls.finalized).toEqual([{ status: 'failed', reason: expect.stringContaining('UNDELIV (err 001)') }]);
  });

  // The time-skipping server does not skip the timer that follows a failed activity, so the
  // delays here are small and real; the bounds are read from the workflow's history.
  it('pauses between attempts with exponential backoff and jitter', async () => {
    const { result, submitTimesMs } = await run(
      { carriers: ['alpha', 'beta', 'gamma'], backoff: { initialMs: 1_000, maxMs: 1_500, multiplier: 2 } },
      {
        submitToCarrier: async () => {
          throw ApplicationFailure.create({ message: 'no', type: FailureTypes.carrierRejected, nonRetryable: true, details: [{ code: 'carrier_rejected', rawCode: 'x' }] });
        },
      },
    );
    expect(result).toMatchObject({ status: 'failed', attempts: 3 });
    const [first, second, third] = submitTimesMs;
    // Before attempt 2: 1 s base with equal jitter (0.5–1 s); before attempt 3: 2 s capped at 1.5 s (0.75–1.5 s).
    expect(second - first).toBeGreaterThanOrEqual(500);
    expect(second - first).toBeLessThanOrEqual(1_300);
    expect(third - second).toBeGreaterThanOrEqual(750);
    expect(third - second).toBeLessThanOrEqual(1_800);
  });

  it('retries a transient submit error on the same carrier before moving on', async () => {
    let alphaTries = 0;
    const { result } = await run(
      {},
      {
        submitToCarrier: async ({ carrierId, attempt }) => {
          if (carrierId === 'alpha' && ++alphaTries < 3) throw ApplicationFailure.create({ message: 'throttled', type: FailureTypes.carrierUnavailable });
          return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] };
        },
      },
    );
    expect(alphaTries).toBe(3);
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
  });

  it('fails over across three carriers in order', async () => {
    const { result, calls } = await run(
      { carriers: ['alpha', 'beta', 'gamma'] },
      {
        submitToCarrier: async ({ carrierId, attempt }) => {
          if (carrierId !== 'gamma') throw ApplicationFailure.create({ message: 'no', type: FailureTypes.carrierRejected, nonRetryable: true, details: [{ code: 'carrier_rejected', rawCode: 'x' }] });
          return { carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] };
        },
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'gamma', attempts: 3 });
    expect(calls.outcomes.map((o) => [o.carrierId, o.outcome])).toEqual([
      ['alpha', 'submit_failed'],
      ['beta', 'submit_failed'],
      ['gamma', 'delivered'],
    ]);
  });

  it('falls back to a voice call after every SMS attempt failed', async () => {
    const failing = { submitToCarrier: async ({ carrierId, attempt }: { carrierId: string; attempt: number }) => ({ carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'UNDELIV', '032')] }) };
    const answered = await run({ voiceFallback: true }, failing);
    expect(answered.result).toEqual({ status: 'delivered', carrierId: 'voice', attempts: 2, channel: 'voice' });
    expect(answered.calls.voiceCalls).toBe(1);

    const unanswered = await run({ voiceFallback: true }, { ...failing, callWithVoice: async () => ({ outcome: 'no_answer', callId: 'c' }) });
    expect(unanswered.result).toMatchObject({ status: 'failed', reason: expect.stringContaining('voice fallback call ended no_answer') });

    const notAsked = await run({ voiceFallback: false }, failing);
    expect(notAsked.calls.voiceCalls).toBe(0);
  });

  it('goes on from the attempts a page made before handing the message over: the voice call, or the carriers left', async () => {
    const undeliv = { reason: 'carrier beta reported UNDELIV (err 032): the handset could not be reached', code: 'handset_unreachable', rawCode: 'UNDELIV:032' };
    const previous = { tried: ['alpha', 'beta'], last: { carrierId: 'beta', status: 'receipt_failed', error: undeliv } };
    const called = await run({ voiceFallback: true, previous }, {});
    expect(called.result).toEqual({ status: 'delivered', carrierId: 'voice', attempts: 2, channel: 'voice' });
    expect(called.calls.submits).toEqual([]);
    expect(called.calls.voiceCalls).toBe(1);

    const unanswered = await run({ voiceFallback: true, previous }, { callWithVoice: async () => ({ outcome: 'no_answer', callId: 'c' }) });
    expect(unanswered.result).toMatchObject({ status: 'failed', attempts: 2, reason: `${undeliv.reason}; voice fallback call ended no_answer` });

    // A plan with a carrier the page had no attempt left for: that carrier next, as attempt 3.
    const delivering = { submitToCarrier: async ({ carrierId, attempt }: { carrierId: string; attempt: number }) => ({ carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] }) };
    const more = await run({ carriers: ['alpha', 'beta', 'gamma'], previous }, delivering);
    expect(more.submitTimesMs).toHaveLength(1);
    expect(more.result).toEqual({ status: 'delivered', carrierId: 'gamma', attempts: 3 });
  });

  it('does not call when the number itself is the problem (permanent error)', async () => {
    const { result, calls } = await run(
      { voiceFallback: true },
      { submitToCarrier: async ({ carrierId, attempt }) => ({ carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'UNDELIV', '001')] }) },
    );
    expect(result).toMatchObject({ status: 'failed', error: { code: 'unknown_subscriber' } });
    expect(calls.voiceCalls).toBe(0);
  });

  it('fails without trying more carriers when none are configured', async () => {
    const { result, calls } = await run({ carriers: [] }, {});
    expect(result).toEqual({
      status: 'failed',
      attempts: 0,
      reason: 'no carrier available for this destination',
      error: { code: 'no_route', rawCode: 'no carrier in the route plan' },
    });
    expect(calls.submits).toEqual([]);
  });
});

/** Waits until the workflow's history has `count` completed submitToCarrier activities. */
async function untilSubmitted(messageId: string, count = 1): Promise<void> {
  const handle = env.client.workflow.getHandle(messageWorkflowId(messageId));
  for (let i = 0; i < 400; i += 1) {
    const history = await handle.fetchHistory();
    const scheduled = new Map(
      (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitToCarrier').map((e) => [String(e.eventId), true]),
    );
    const done = (history.events ?? []).filter((e) => scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? ''))).length;
    if (done >= count) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('submit never completed');
}

describe('sendMessage with concatenated parts', () => {
  const threeParts = (carrierId: string, attempt: number, early: [number, CarrierReceipt['state']][] = []) => ({
    carrierMessageId: `${carrierId}-${attempt}-p1`,
    partIds: [1, 2, 3].map((n) => `${carrierId}-${attempt}-p${n}`),
    earlyReceipts: early.map(([n, state]) => receipt(carrierId, `${carrierId}-${attempt}-p${n}`, state)),
  });

  it('is delivered only when every part has a DELIVRD receipt, in any order', async () => {
    const { result, calls } = await run(
      {},
      { submitToCarrier: async ({ carrierId, attempt }) => threeParts(carrierId, attempt, [[3, 'DELIVRD'], [1, 'DELIVRD']]) },
      async (messageId) => {
        await untilSubmitted(messageId);
        const handle = env.client.workflow.getHandle(messageWorkflowId(messageId));
        // Two parts are in: the workflow must still be waiting for the third.
        const described = await handle.describe();
        expect(described.status.name).toBe('RUNNING');
        await handle.signal(carrierReceiptSignal, receipt('alpha', 'alpha-1-p2', 'DELIVRD'));
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
    expect(calls.outcomes).toEqual([{ carrierId: 'alpha', outcome: 'delivered' }]);
  });

  it('fails the attempt as soon as one part fails, and fails over', async () => {
    const { result, calls } = await run(
      {},
      {
        submitToCarrier: async ({ carrierId, attempt }) =>
          threeParts(carrierId, attempt, carrierId === 'alpha' ? [[2, 'UNDELIV']] : [[1, 'DELIVRD'], [2, 'DELIVRD'], [3, 'DELIVRD']]),
      },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'beta', attempts: 2 });
    expect(calls.outcomes).toEqual([
      { carrierId: 'alpha', outcome: 'receipt_failed' },
      { carrierId: 'beta', outcome: 'delivered' },
    ]);
  });

  it('takes the first part\'s receipt for a carrier that sends receipts for first parts only', async () => {
    const { result } = await run(
      {},
      { submitToCarrier: async ({ carrierId, attempt }) => ({ ...threeParts(carrierId, attempt, [[1, 'DELIVRD']]), receiptsForFirstPartOnly: true }) },
    );
    expect(result).toEqual({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
  });
});

describe('sendMessage scheduling and cancellation', () => {
  it('waits for its scheduled time before the first submit', async () => {
    // Two seconds: short enough to pass in real time, because this server does not always skip
    // a timer once an earlier test has failed activities (see README, Tests).
    const sendAt = new Date((await env.currentTimeMs()) + 2000).toISOString();
    const { result, submitTimesMs } = await run({ sendAt }, { submitToCarrier: async ({ carrierId, attempt }) => ({ carrierMessageId: `${carrierId}-${attempt}`, earlyReceipts: [receipt(carrierId, `${carrierId}-${attempt}`, 'DELIVRD')] }) });
    expect(result.status).toBe('delivered');
    expect(submitTimesMs[0]).toBeGreaterThanOrEqual(Date.parse(sendAt) - 1000);
  });

  it('accepts a cancel before the scheduled time: nothing is submitted and the message ends cancelled', async () => {
    const sendAt = new Date((await env.currentTimeMs()) + 3_600_000).toISOString();
    let answer: unknown;
    const { result, calls } = await run({ sendAt }, {}, async (messageId) => {
      answer = await env.client.workflow.getHandle(messageWorkflowId(messageId)).executeUpdate(cancelMessageUpdate);
    });
    expect(answer).toEqual({ cancelled: true });
    expect(result).toEqual({ status: 'cancelled', attempts: 0 });
    expect(calls.submits).toEqual([]);
    expect(calls.finalized).toEqual([{ status: 'cancelled', reason: 'cancelled by the customer before it was sent' }]);
  });

  it('refuses a cancel once a carrier has the message', async () => {
    let answer: unknown;
    const { result } = await run({}, {}, async (messageId) => {
      await untilSubmitted(messageId);
      const handle = env.client.workflow.getHandle(messageWorkflowId(messageId));
      answer = await handle.executeUpdate(cancelMessageUpdate);
      await handle.signal(carrierReceiptSignal, receipt('alpha', 'alpha-1', 'DELIVRD'));
    });
    expect(answer).toEqual({ cancelled: false, reason: 'the message has been handed to a carrier' });
    expect(result.status).toBe('delivered');
  });
});
