// verifyPhone: one verification, from its first code to approved, expired, used up or
// cancelled. Each send is an activity that draws the code and writes the message carrying it
// (the code never enters this history); an SMS then goes through the delivery engine as that
// message's own sendMessage workflow, started here as a child (otp routes, the shortest receipt
// wait, failover to the next carrier and the voice fallback, each step with its timer in the
// child's history); a voice send is a call that reads the code out. Checks arrive as an Update
// carrying a keyed digest, refused by its validator after expiry, once the checks are used up
// or once the verification ended, without writing history. A newer verification of the same
// number (same account) cancels this one with a signal.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  cancelVerificationUpdate,
  checkCodeUpdate,
  CheckCodeResult,
  CheckStatus,
  FailureTypes,
  messageWorkflowId,
  PRIORITY_KEYS,
  resendCodeUpdate,
  ResendCodeInput,
  ResendCodeResult,
  searchAttributes,
  SendMessageInput,
  SendMessageResult,
  supersededSignal,
  VerificationChannel,
  VerificationRefusals,
  VerificationStatus,
  verificationWorkflowId,
  VerifyPhoneInput,
  VerifyPhoneResult,
} from '@app/contracts';
import type { MessageActivities } from '../activities/messages/message.activities';
import type { VerificationActivities } from '../activities/verifications/verification.activities';

// Short database steps, in the workflow's own worker (as sendMessage does for an OTP).
const { olderVerifications, sendCode, compareCode, finishVerification } = proxyLocalActivities<VerificationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: [FailureTypes.messageInvalid] },
});
const { finalizeMessage } = proxyLocalActivities<MessageActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '10s' } });
// The voice channel: the message activities' call, followed while it rings.
const { callWithVoice } = proxyActivities<MessageActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: ['VoiceUnavailable', FailureTypes.messageInvalid] },
});

/** What a check answers, given the verification's status after it. */
function checkAnswer(status: VerificationStatus, match: boolean): CheckStatus {
  if (status === 'approved') return match ? 'approved' : 'denied';
  if (status === 'cancelled') return 'denied';
  return status;
}

const refuse = (type: string, message: string, details: unknown[] = []): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details });
};

export async function verifyPhone(input: VerifyPhoneInput): Promise<VerifyPhoneResult> {
  const { verificationId, accountId, policy } = input;
  const expiresAtMs = Date.parse(input.expiresAt);
  let status: VerificationStatus = 'pending';
  let checks = 0;
  let sends = 0;
  let channel: VerificationChannel = input.channel;
  let lastSendAt = 0;
  // Sends under way (a voice call rings for a while): the workflow ends after them.
  const inFlight = new Set<Promise<void>>();

  const open = () => {
    if (status !== 'pending') refuse(VerificationRefusals.closed, `the verification is ${status}`, [status]);
    if (Date.now() >= expiresAtMs) refuse(VerificationRefusals.expired, 'the verification has expired');
  };

  const send = async (via: VerificationChannel) => {
    sends += 1;
    lastSendAt = Date.now();
    channel = via;
    const sent = await sendCode({ verificationId, channel: via, send: sends, rotate: sends === 1 || !policy.keepCodeOnResend });
    if (via === 'sms') {
      // The message's own lifecycle: it outlives this workflow if the code is approved first.
      await startChild<(input: SendMessageInput) => Promise<SendMessageResult>>('sendMessage', {
        workflowId: messageWorkflowId(sent.messageId),
        args: [{ messageId: sent.messageId, accountId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        priority: { priorityKey: PRIORITY_KEYS.otp },
        typedSearchAttributes: [
          { key: searchAttributes.messageId, value: sent.messageId },
          { key: searchAttributes.accountId, value: accountId },
          { key: searchAttributes.messageStatus, value: 'accepted' },
        ],
      });
      return;
    }
    const call = (async () => {
      try {
        const { outcome } = await callWithVoice({ messageId: sent.messageId });
        const answered = outcome === 'answered';
        await finalizeMessage({ messageId: sent.messageId, status: answered ? 'delivered' : 'failed', carrierId: 'voice', attempts: 1, channel: 'voice', ...(answered ? {} : { reason: `verification call ended ${outcome}` }) });
      } catch (err) {
        await finalizeMessage({ messageId: sent.messageId, status: 'failed', attempts: 1, channel: 'voice', reason: `verification call failed: ${(err as Error).message}` });
      }
    })();
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  };

  setHandler(
    checkCodeUpdate,
    async ({ digest }): Promise<CheckCodeResult> => {
      // Counted before the comparison: concurrent checks cannot exceed the limit.
      checks += 1;
      const check = checks;
      const { match } = await compareCode({ verificationId, digest, check });
      if (status === 'pending') {
        if (match) status = 'approved';
        else if (check >= policy.maxChecks) status = 'max_attempts';
      }
      return { status: checkAnswer(status, match), checks: check };
    },
    {
      validator: ({ digest }) => {
        open();
        if (checks >= policy.maxChecks) refuse(VerificationRefusals.maxAttempts, `all ${policy.maxChecks} checks are used`);
        if (typeof digest !== 'string' || digest.length === 0) refuse(VerificationRefusals.closed, 'a check needs a digest');
      },
    },
  );

  setHandler(
    resendCodeUpdate,
    async (request: ResendCodeInput): Promise<ResendCodeResult> => {
      await send(request?.channel ?? channel);
      return { channel, sends };
    },
    {
      validator: (_request: ResendCodeInput) => {
        open();
        if (sends >= policy.maxSends) refuse(VerificationRefusals.maxSends, `all ${policy.maxSends} sends are used`);
        const waitMs = lastSendAt + policy.resendCooldownMs - Date.now();
        if (waitMs > 0) refuse(VerificationRefusals.cooldown, `a code was sent less than ${Math.round(policy.resendCooldownMs / 1000)} s ago`, [waitMs]);
      },
    },
  );

  setHandler(
    cancelVerificationUpdate,
    () => {
      if (status === 'pending') status = 'cancelled';
      return { status };
    },
  );
  setHandler(supersededSignal, () => {
    if (status === 'pending') status = 'cancelled';
  });

  // A new verification of the number cancels the older pending ones.
  for (const older of await olderVerifications({ verificationId })) {
    await getExternalWorkflowHandle(verificationWorkflowId(older)).signal(supersededSignal, { byVerificationId: verificationId });
  }
  if (status === 'pending') await send(input.channel);

  await condition(() => status !== 'pending', Math.max(0, expiresAtMs - Date.now()));
  if (status === 'pending') status = 'expired';
  const final = status as VerifyPhoneResult['status'];
  await finishVerification({ verificationId, status: final });
  upsertSearchAttributes([{ key: searchAttributes.verificationStatus, value: final }]);
  // Checks still running finish first; then a call still ringing.
  await condition(allHandlersFinished);
  await Promise.all([...inFlight]);
  return { status: final, checks, sends };
}
