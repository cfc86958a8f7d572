// sendMessage: one SMS, durably. Plans the carriers, waits for its scheduled time if it has
// one, submits to each carrier in turn, waits for the delivery receipt (of every part of a
// concatenated message), fails over on a rejected submit / failed receipt / receipt timeout,
// and ends delivered, failed or cancelled (or rejected before routing: the recipient opted out) (a cancel is accepted only before a submit starts).
// Every step is an activity, a signal or an update, so the Temporal history is the message's
// audit trail. Holds ids only: the body never enters workflow history.
import {
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  AttemptOutcome,
  CancelMessageResult,
  CarrierReceipt,
  FinalizeInput,
  MessageError,
  PreparedMessage,
  cancelMessageUpdate,
  carrierTaskQueue,
  FailureTypes,
  MessageStatus,
  SendMessageInput,
  SendMessageResult,
  carrierReceiptSignal,
  PRIORITY_KEYS,
  searchAttributes,
} from '@app/contracts';
import {
  AttemptFailure,
  PartReceipt,
  backoffDelayMs,
  decideAttempt,
  exhaustedFailure,
  nextCarrier,
  noCarrierFailure,
  prepareMessageWith,
  receiptTimeoutFailure,
  submitFailure,
  wantsVoiceFallback,
  withVoiceOutcome,
} from '@app/lifecycle';
import type { MessageActivities } from '../activities/messages/message.activities';

// Short database steps run as local activities: in the workflow's own worker, without a round
// trip through the server's task queues (they still appear in history, as markers). Measured
// in BENCHMARKS.md (otp-latency).
const { prepareMessage, finishDelivered, checkRecipient, planRoute, recordAttemptOutcome, finalizeMessage } = proxyLocalActivities<MessageActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: [FailureTypes.messageInvalid] },
});

// A submit that keeps failing on a carrier moves on to the next after a few tries, rather than
// retrying forever; a rejection moves on at once.
const SUBMIT_RETRY = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumAttempts: 3,
  nonRetryableErrorTypes: [FailureTypes.carrierRejected, FailureTypes.carrierPermanent, FailureTypes.messageInvalid],
};

// An OTP is submitted by the workflow's own worker as a local activity: no task-queue round trip
// and no activity task on the server, which is what the OTP latency budget and the dev server's
// capacity are spent on (BENCHMARKS.md, otp-latency). The carrier's connector still paces it on
// the wire (maxTps, per worker process); it skips the server-side queue limit and waits behind
// nothing, as its priority says anyway.
const { submitToCarrier: submitLocally } = proxyLocalActivities<MessageActivities>({ startToCloseTimeout: '30s', retry: SUBMIT_RETRY });

// Other submits run on their carrier's own task queue, rate-limited to the carrier's throughput
// by the server across every worker, in the order of the message's priority.
function submitVia(carrierId: string, priority: keyof typeof PRIORITY_KEYS) {
  if (priority === 'otp') return submitLocally;
  return proxyActivities<MessageActivities>({
    taskQueue: carrierTaskQueue(workflowInfo().taskQueue, carrierId),
    priority: { priorityKey: PRIORITY_KEYS[priority] },
    startToCloseTimeout: '30s',
    retry: SUBMIT_RETRY,
  }).submitToCarrier;
}

// The voice fallback follows a call for up to a few minutes, heartbeating while it rings.
const { callWithVoice } = proxyActivities<MessageActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: ['VoiceUnavailable', FailureTypes.messageInvalid] },
});

/** The patch id of the opt-out check before routing (workflow versioning: `patched`). */
export const OPT_OUT_CHECK_PATCH = 'recipient-opt-out-check';
/**
 * The patch id of the merged local steps: the opt-out check with the route plan, the delivered
 * outcome with the final status (each pair one local activity, one activation fewer).
 */
export const MERGED_STEPS_PATCH = 'merged-local-steps';

const receiptKey = (carrierId: string, carrierMessageId: string) => `${carrierId}\u0000${carrierMessageId}`;

export async function sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
  // Final receipts by carrier and part id; the lifecycle ignores intermediate states (ENROUTE…).
  const receipts = new Map<string, CarrierReceipt>();
  const keep = (receipt: CarrierReceipt) => {
    const key = receiptKey(receipt.carrierId, receipt.carrierMessageId);
    const known = receipts.get(key);
    if (!known || (known.state === 'ENROUTE' || known.state === 'ACCEPTD')) receipts.set(key, receipt);
  };
  setHandler(carrierReceiptSignal, keep);
  // A cancel is accepted while no submit is under way: before the first one, or between
  // attempts. Once accepted, no submit starts (the flag is checked before every submit).
  let cancellable = true;
  let cancelRequested = false;
  setHandler(cancelMessageUpdate, (): CancelMessageResult => {
    if (cancelRequested) return { cancelled: true };
    if (!cancellable) return { cancelled: false, reason: 'the message has been handed to a carrier' };
    cancelRequested = true;
    return { cancelled: true };
  });

  // Opt-out first: a recipient who opted out is refused before any route is planned or carrier
  // reached. Behind patch markers, so workflows started before the check existed, or before it
  // and the plan became one step (and their recorded histories), replay as they ran; deprecate
  // them once none of those can still be open.
  const optOutCheck = patched(OPT_OUT_CHECK_PATCH);
  const merged = optOutCheck && patched(MERGED_STEPS_PATCH);
  const { messageId } = input;
  const prepared: PreparedMessage = merged
    ? await prepareMessage({ messageId })
    : await prepareMessageWith({ check: optOutCheck ? () => checkRecipient({ messageId }) : undefined, plan: () => planRoute({ messageId }) });
  if (prepared.plan === null) {
    upsertSearchAttributes([{ key: searchAttributes.messageStatus, value: 'rejected' }]);
    return { status: 'rejected', attempts: 0, reason: prepared.check.reason, error: prepared.check.error };
  }
  const { plan } = prepared;
  // Status callbacks are queued by the activities that record each change (an outbox in
  // PostgreSQL, the same for both shapes); here a change moves the search attributes an operator
  // searches by: submitted (with the carrier that took it) and the final status. Each upsert is
  // a history event and a visibility write on the server.
  const statusChanged = (status: MessageStatus, extra: { carrierId?: string }) => {
    upsertSearchAttributes([
      { key: searchAttributes.messageStatus, value: status },
      ...(extra.carrierId ? [{ key: searchAttributes.carrierId, value: extra.carrierId }] : []),
    ]);
  };
  let attempt = 0;
  const cancelled = async (): Promise<SendMessageResult> => {
    await finalizeMessage({ messageId: input.messageId, status: 'cancelled', attempts: attempt, reason: 'cancelled by the customer before it was sent' });
    statusChanged('cancelled', {});
    return { status: 'cancelled', attempts: attempt };
  };
  // Scheduled delivery: wait for the time (or a cancel) first.
  const waitMs = plan.sendAt ? Date.parse(plan.sendAt) - Date.now() : 0;
  if (waitMs > 0) await condition(() => cancelRequested, waitMs);
  // The subscriber may have opted out while the message waited for its time: checked again.
  if (waitMs > 0 && !cancelRequested && optOutCheck) {
    const again = await checkRecipient({ messageId: input.messageId });
    if (again.outcome === 'rejected') {
      statusChanged('rejected', {});
      return { status: 'rejected', attempts: 0, reason: again.reason, error: again.error };
    }
  }

  // A message a page handed over after its carriers failed goes on from its attempts (the
  // voice call, or carriers of its plan the page had no attempt left for).
  let last: AttemptFailure = plan.previous ? exhaustedFailure(plan.previous.last, plan.receiptTimeoutMs) : noCarrierFailure();
  const tried: string[] = [...(plan.previous?.tried ?? [])];
  attempt = tried.length;
  for (let carrierId = nextCarrier(plan.carriers, tried, plan.carriers.length); carrierId; carrierId = nextCarrier(plan.carriers, tried, plan.carriers.length)) {
    // Math.random is deterministic in workflows (seeded per run), so the jitter replays exactly.
    if (attempt > 0) await condition(() => cancelRequested, backoffDelayMs({ backoff: plan.backoff }, attempt + 1, Math.random));
    if (cancelRequested) return cancelled();
    attempt += 1;
    tried.push(carrierId);
    cancellable = false;
    let carrierMessageId: string;
    let partIds: string[];
    let firstPartOnly: boolean;
    try {
      const submitted = await submitVia(carrierId, plan.priority)({ messageId: input.messageId, carrierId, attempt });
      carrierMessageId = submitted.carrierMessageId;
      partIds = submitted.partIds ?? [carrierMessageId];
      firstPartOnly = submitted.receiptsForFirstPartOnly ?? false;
      submitted.earlyReceipts.forEach(keep);
    } catch (err) {
      const failure = applicationFailureOf(err);
      const cause = failure?.message ?? (err as Error).message;
      const error = (failure?.details?.[0] as MessageError | undefined) ?? { code: 'carrier_unavailable', rawCode: cause };
      last = submitFailure(carrierId, error, cause);
      await recordAttemptOutcome({ messageId: input.messageId, attempt, carrierId, outcome: 'submit_failed', detail: { reason: cause, ...last.error } });
      cancellable = true;
      if (last.stop) break;
      continue;
    }
    statusChanged('submitted', { carrierId });

    const decide = () => decideAttempt(carrierId!, partIds.map((id): PartReceipt | undefined => receipts.get(receiptKey(carrierId!, id))), firstPartOnly);
    await condition(() => decide().outcome !== 'waiting', plan.receiptTimeoutMs);
    // Between attempts the message is with no carrier: a cancel can be accepted again.
    cancellable = true;
    const decision = decide();
    if (decision.outcome === 'waiting') {
      last = receiptTimeoutFailure(carrierId, plan.receiptTimeoutMs);
      await recordAttemptOutcome({ messageId: input.messageId, attempt, carrierId, outcome: 'receipt_timeout', detail: { carrierMessageId } });
      continue;
    }
    if (decision.outcome === 'delivered') {
      const outcome: AttemptOutcome = { messageId: input.messageId, attempt, carrierId, outcome: 'delivered', detail: { carrierMessageId, receiptState: decision.receipt.state } };
      const final: FinalizeInput = { messageId: input.messageId, status: 'delivered', carrierId, attempts: attempt };
      if (merged) {
        await finishDelivered({ outcome, final });
      } else {
        await recordAttemptOutcome(outcome);
        await finalizeMessage(final);
      }
      statusChanged('delivered', { carrierId });
      return { status: 'delivered', carrierId, attempts: attempt };
    }
    last = decision;
    await recordAttemptOutcome({
      messageId: input.messageId,
      attempt,
      carrierId,
      outcome: 'receipt_failed',
      detail: { carrierMessageId, receiptState: decision.receipt.state, errorCode: decision.receipt.errorCode, ...last.error },
    });
    if (last.stop) break;
  }

  if (cancelRequested) return cancelled();
  if (wantsVoiceFallback(plan.voiceFallback, attempt, last)) {
    try {
      const call = await callWithVoice({ messageId: input.messageId });
      if (call.outcome === 'answered') {
        await finalizeMessage({ messageId: input.messageId, status: 'delivered', carrierId: 'voice', attempts: attempt, channel: 'voice' });
        statusChanged('delivered', { carrierId: 'voice' });
        return { status: 'delivered', carrierId: 'voice', attempts: attempt, channel: 'voice' };
      }
      last = withVoiceOutcome(last, `call ended ${call.outcome}`);
    } catch (err) {
      last = withVoiceOutcome(last, `failed: ${applicationFailureOf(err)?.message ?? (err as Error).message}`);
    }
  }

  log.info('message failed on every carrier', { messageId: input.messageId, attempts: attempt, workflowId: workflowInfo().workflowId });
  await finalizeMessage({ messageId: input.messageId, status: 'failed', attempts: attempt, reason: last.reason, error: last.error });
  statusChanged('failed', {});
  return { status: 'failed', attempts: attempt, reason: last.reason, error: last.error };
}

/** The ApplicationFailure an activity threw (the workflow sees it wrapped in an ActivityFailure). */
function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return err;
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause : undefined;
}
