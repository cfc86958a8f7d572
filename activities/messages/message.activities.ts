// Activities of the message workflow: every side effect of sending one SMS (database, carrier
// submit, voice call). Built once per worker from its dependencies.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  AttemptOutcome,
  CarrierReceipt,
  DeliveredInput,
  FailureTypes,
  FinalizeInput,
  MessageError,
  PreparedMessage,
  RecipientCheck,
  RoutePlan,
  SubmitResult,
  VoiceCallOutcome,
} from '@app/contracts';
import type { CarrierConnector, VoiceConnector } from '@app/carriers';
import { CarrierSubmitError, FINAL_VOICE_STATUSES } from '@app/carriers';
import { CarrierPacer, ComplianceRepository, MessageRepository, ReceiptRepository, recordDespiteOutage, RoutePlanner } from '@app/db';
import { classified, ERRORS, NoRouteError, normalizeE164, normalizeSender } from '@app/domain';
import { prepareMessageWith } from '@app/lifecycle';

/** The carriers this worker is connected to. */
export interface CarrierDirectory {
  get(id: string): CarrierConnector | undefined;
}

export interface MessageActivityDeps {
  messages: MessageRepository;
  receipts: ReceiptRepository;
  carriers: CarrierDirectory;
  planner: Pick<RoutePlanner, 'plan'>;
  /** A carrier's maxTps across every worker replica. */
  pacer: Pick<CarrierPacer, 'reserve'>;
  /** The opt-out check before routing. */
  compliance: Pick<ComplianceRepository, 'checkMessage'>;
  /** The voice (text-to-speech) provider of the voice fallback; none = no fallback. */
  voice?: Pick<VoiceConnector, 'place' | 'status'>;
  voicePollMs?: number;
}

/** How long a submit the carrier accepted keeps trying to be recorded while PostgreSQL is away (the activity has 30 s). */
const SUBMITTED_RECORD_BUDGET_MS = 20_000;

export function createMessageActivities(deps: MessageActivityDeps) {
  const { messages, receipts, carriers } = deps;

  async function loadMessage(messageId: string) {
    const message = await messages.findById(messageId);
    if (!message) throw ApplicationFailure.nonRetryable(`message ${messageId} does not exist`, FailureTypes.messageInvalid);
    return message;
  }

  const steps = {
    /**
     * The opt-out check before routing: a recipient who opted out (of the account, or of this
     * sender) gets nothing: final status `rejected` (recipient_opted_out), recorded with its
     * event, receipt and callback. An exempt category or a keyword's confirmation goes on, the
     * exemption recorded on the message's timeline.
     */
    async checkRecipient({ messageId }: { messageId: string }): Promise<RecipientCheck> {
      return deps.compliance.checkMessage(messageId);
    },

    /**
     * Routes the message with the active routing table, records the version, rule and reasons
     * on the message, and returns the carriers to try with the rule's failover policy.
     */
    async planRoute({ messageId }: { messageId: string }): Promise<RoutePlan> {
      const message = await loadMessage(messageId);
      // `to` is E.164 since its accept; its country was stored then (parsed again only for rows without one).
      const country = message.country ?? normalizeE164(message.to).country;
      // A message a page hands over after its carriers failed goes on from its attempts (the voice call).
      const previous = message.attempts > 0 ? { previous: await messages.pastAttempts(messageId) } : {};
      const base = { priority: message.priority, sendAt: message.sendAt?.toISOString() ?? null, ...previous };
      try {
        const plan = await deps.planner.plan({
          to: message.to,
          country: country ?? undefined,
          priority: message.priority,
          senderType: normalizeSender(message.from).type,
          accountId: message.accountId,
          segments: message.segments,
        });
        const chosen = plan.candidates.slice(0, plan.policy.maxAttempts);
        await messages.markQueued(messageId, {
          routingVersion: plan.routingVersion,
          ruleId: plan.ruleId,
          country: country ?? undefined,
          detail: { routingVersion: plan.routingVersion, ruleId: plan.ruleId, strategy: plan.strategy, network: plan.network, candidates: chosen, skipped: plan.skipped },
        });
        return {
          ...base,
          carriers: chosen.map((c) => c.carrierId),
          receiptTimeoutMs: plan.policy.receiptWaitMs,
          backoff: plan.policy.backoff,
          voiceFallback: plan.policy.voiceFallback,
          routingVersion: plan.routingVersion,
          ruleId: plan.ruleId,
        };
      } catch (err) {
        if (!(err instanceof NoRouteError)) throw err;
        await messages.markQueued(messageId, { routingVersion: null, ruleId: null, detail: { noRoute: err.message } });
        return { ...base, carriers: [], receiptTimeoutMs: 0, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 }, voiceFallback: false, routingVersion: null, ruleId: null };
      }
    },

    /**
     * Submits the message to one carrier. Idempotent per (message, attempt): a retry after
     * the carrier accepted returns the recorded carrier message id instead of sending twice.
     */
    async submitToCarrier({ messageId, carrierId, attempt }: { messageId: string; carrierId: string; attempt: number }): Promise<SubmitResult> {
      const message = await loadMessage(messageId);
      const connector = carriers.get(carrierId);
      if (!connector) throw ApplicationFailure.nonRetryable(`carrier ${carrierId} is not configured on this worker`, FailureTypes.carrierUnavailable);

      let carrierMessageId = await messages.startAttempt(messageId, attempt, carrierId);
      let partIds: string[];
      if (carrierMessageId === null) {
        const waitMs = (await deps.pacer.reserve(carrierId)) ?? 0;
        if (waitMs > 0) await Context.current().sleep(waitMs);
        try {
          const accepted = await connector.submit({ messageId, from: message.from, to: message.to, body: message.body, registeredDelivery: true });
          carrierMessageId = accepted.carrierMessageId;
          partIds = accepted.partIds ?? [carrierMessageId];
        } catch (err) {
          throw toFailure(err, carrierId);
        }
        // The carrier has it now: keep trying to record that through a database restart (within
        // the activity's 30 s), or a retry of this activity would submit it again.
        const accepted = { carrierMessageId, partIds };
        await recordDespiteOutage(() => messages.markSubmitted(messageId, attempt, carrierId, accepted.carrierMessageId, accepted.partIds, connector.receiptsForFirstPartOnly ?? false), SUBMITTED_RECORD_BUDGET_MS);
      } else {
        const recorded = await messages.partIds(messageId, attempt);
        partIds = recorded.length > 0 ? recorded : [carrierMessageId];
      }
      // Receipts that raced ahead of this submit response wait in carrier_receipts: take them now.
      const earlyReceipts: CarrierReceipt[] = await receipts.claimEarly(carrierId, partIds, messageId);
      return {
        carrierMessageId,
        earlyReceipts,
        ...(partIds.length > 1 ? { partIds, receiptsForFirstPartOnly: connector.receiptsForFirstPartOnly ?? false } : {}),
      };
    },

    /**
     * The voice fallback: a call that reads the message out, followed until it ends. The text is
     * read from the database here, never passed through workflow history. A retried activity
     * resumes following the call it placed (heartbeat details) instead of calling twice.
     */
    async callWithVoice({ messageId }: { messageId: string }): Promise<{ outcome: VoiceCallOutcome; callId: string }> {
      const voice = deps.voice;
      if (!voice) throw ApplicationFailure.nonRetryable('no voice provider is configured (VOICE_PROVIDER_URL)', 'VoiceUnavailable');
      const context = Context.current();
      let callId = context.info.heartbeatDetails as string | undefined;
      if (!callId) {
        const message = await loadMessage(messageId);
        try {
          ({ callId } = await voice.place({ to: message.to, from: message.from, text: message.body }));
        } catch (err) {
          throw ApplicationFailure.retryable((err as Error).message, 'VoiceProviderError');
        }
        await messages.recordEvent({ messageId, type: 'voice_call', detail: { callId, status: 'placed' } });
      }
      for (;;) {
        context.heartbeat(callId);
        const status = await voice.status(callId).catch((err: Error) => {
          throw ApplicationFailure.retryable(err.message, 'VoiceProviderError');
        });
        if ((FINAL_VOICE_STATUSES as readonly string[]).includes(status)) {
          await messages.recordEvent({ messageId, type: 'voice_call', detail: { callId, status } });
          return { outcome: status as VoiceCallOutcome, callId };
        }
        await context.sleep(deps.voicePollMs ?? 500);
      }
    },

    async recordAttemptOutcome(outcome: AttemptOutcome): Promise<void> {
      await messages.recordAttemptOutcome(outcome.messageId, outcome.attempt, outcome.carrierId, outcome.outcome, outcome.detail);
    },

    async finalizeMessage(input: FinalizeInput): Promise<void> {
      await messages.finalize(input);
    },
  };
  return { ...steps, ...mergedSteps(steps) };
}

/**
 * Steps the message workflow takes together since MERGED_STEPS_PATCH, each one local activity
 * (one activation of the workflow, one marker in its history) instead of two in a row. Built
 * from the single steps, which workflows started before the patch still call on replay.
 */
export function mergedSteps(single: {
  checkRecipient(input: { messageId: string }): Promise<RecipientCheck>;
  planRoute(input: { messageId: string }): Promise<RoutePlan>;
  recordAttemptOutcome(outcome: AttemptOutcome): Promise<void>;
  finalizeMessage(input: FinalizeInput): Promise<void>;
}) {
  return {
    /** The opt-out check and, unless it rejected the message, its route plan. */
    async prepareMessage({ messageId }: { messageId: string }): Promise<PreparedMessage> {
      return prepareMessageWith({ check: () => single.checkRecipient({ messageId }), plan: () => single.planRoute({ messageId }) });
    },

    /** The delivered attempt, then the message's final status. */
    async finishDelivered({ outcome, final }: DeliveredInput): Promise<void> {
      await single.recordAttemptOutcome(outcome);
      await single.finalizeMessage(final);
    },
  };
}

export type MessageActivities = ReturnType<typeof createMessageActivities>;
/** The activities without the merged steps (what `mergedSteps` is built from, plus the submit and the call). */
export type SingleMessageSteps = Omit<MessageActivities, keyof ReturnType<typeof mergedSteps>>;

/** The one place carrier errors become workflow-visible failures. */
function toFailure(err: unknown, carrierId: string): ApplicationFailure {
  const error = err instanceof CarrierSubmitError ? err.error : classified(ERRORS.carrierUnavailable, (err as Error)?.message ?? String(err));
  const type = { permanent: FailureTypes.carrierPermanent, try_next_carrier: FailureTypes.carrierRejected, retry_same_carrier: FailureTypes.carrierUnavailable }[error.class];
  const details: MessageError[] = [{ code: error.code, rawCode: error.rawCode }];
  return ApplicationFailure.create({ message: `carrier ${carrierId}: ${error.description} (${error.rawCode})`, type, nonRetryable: error.class !== 'retry_same_carrier', details });
}
