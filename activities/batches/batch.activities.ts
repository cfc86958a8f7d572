// Activities of the page shape (sendBatch): submit a page attempt by attempt through the
// carrier connectors with multi-row writes, carriers chosen and failures described by the
// delivery lifecycle, and finish it. Receipts are applied to the rows by the worker's receipt
// router as they come.
import { Context } from '@temporalio/activity';
import type { SubmitBatchResult } from '@app/contracts';
import { CarrierSubmitError } from '@app/carriers';
import { BatchMessage, BatchRepository, CarrierPacer, ComplianceRepository, FailedRow, ReceiptRepository, recordDespiteOutage, RoutePlanner, SubmittedRow } from '@app/db';
import { classified, ERRORS, NoRouteError, normalizeE164, normalizeSender, RouteRequest } from '@app/domain';
import { AttemptFailure, exhaustedFailure, nextCarrier, noCarrierFailure, submitFailure, wantsVoiceFallback } from '@app/lifecycle';
import type { CarrierDirectory } from '../messages/message.activities';

export interface BatchActivityDeps {
  batches: BatchRepository;
  receipts: ReceiptRepository;
  carriers: CarrierDirectory;
  planner: Pick<RoutePlanner, 'snapshot'>;
  pacer: Pick<CarrierPacer, 'reserve'>;
  /** The opt-out check of a page's messages before their first attempt (one query per page). */
  compliance: Pick<ComplianceRepository, 'checkPage'>;
}


/** Rows written per transaction while a page is being submitted (so a retry resends little). */
const CHUNK = 250;
/** How long submits the carriers accepted keep trying to be recorded while PostgreSQL is away. */
const SUBMITTED_RECORD_BUDGET_MS = 5 * 60_000;
/** A submit waiting for its slot on a limited carrier heartbeats this often. */
const PACING_STEP_MS = 10_000;
/** How far ahead of now a page may hold a limited carrier's slots (an OTP waits at most this behind it). */
const PAGE_PACING_HORIZON_MS = 1_000;
const PAGE_PACING_RETRY_MS = 200;
/** How long a page waits for a carrier of its plan this worker has not connected yet (two reconciles). */
const CONNECTOR_WAIT_MS = 10_000;
const CONNECTOR_WAIT_STEP_MS = 250;

/** What a page's message is routed by, as its own workflow routes it. */
function routeRequest(m: BatchMessage): RouteRequest {
  // `to` is E.164 since its accept; its country was stored then (parsed again only for rows without one).
  const country = m.country ?? normalizeE164(m.to).country;
  return { to: m.to, country: country ?? undefined, priority: m.priority, senderType: normalizeSender(m.from).type, accountId: m.accountId, segments: m.segments };
}

/**
 * Every SMS attempt of the message failed (or the page has none left for it) and its route ends
 * in a voice call: its own workflow places the call, going on from these attempts.
 */
function wantsVoiceCall(policy: { voiceFallback: boolean; receiptWaitMs: number }, m: BatchMessage): boolean {
  return wantsVoiceFallback(policy.voiceFallback, m.tried.length, exhaustedFailure(m.last, policy.receiptWaitMs));
}

const VOICE_HAND_OVER = 'every SMS carrier failed; its route ends in a voice call, placed by a workflow of its own';

export function createBatchActivities(deps: BatchActivityDeps) {
  const { batches, receipts, carriers } = deps;

  /** Receipts that reached us before the mappings were written: apply them now. */
  async function applyEarly(rows: SubmittedRow[]): Promise<void> {
    const byCarrier = new Map<string, Map<string, string>>();
    for (const row of rows) {
      const messageOf = byCarrier.get(row.carrierId) ?? new Map<string, string>();
      for (const id of row.partIds) messageOf.set(id, row.messageId);
      byCarrier.set(row.carrierId, messageOf);
    }
    for (const [carrierId, messageOf] of byCarrier) {
      await batches.applyReceipts(await receipts.claimEarlyMany(carrierId, messageOf));
    }
  }

  return {
    /**
     * Attempt `attempt` for every message of the page that needs it: each goes to the first
     * carrier of its route plan it has not tried; submits run concurrently through the
     * connectors (their windows and pacing apply); results are written in chunks.
     */
    async submitBatch({ batchId, attempt }: { batchId: string; attempt: number }): Promise<SubmitBatchResult> {
      // Recipients who opted out are refused (`rejected`, each on its own timeline) before any carrier has them.
      if (attempt === 1) await deps.compliance.checkPage(batchId);
      const due = await batches.dueForAttempt(batchId, attempt);
      const plan = await deps.planner.snapshot();
      let receiptWaitMs = 0;
      let backoff: SubmitBatchResult['backoff'] = { initialMs: 0, maxMs: 0, multiplier: 1 };
      let submitted = 0;
      let failed = 0;
      const context = Context.current();

      // A limited carrier's slot, shared with every replica and both shapes. The page's messages
      // reserve one at a time per carrier and only within PAGE_PACING_HORIZON_MS, so the page holds
      // few slots ahead and an OTP on its own workflow waits at most that horizon behind it
      // (heartbeats while a slow carrier's queue drains).
      const reserving = new Map<string, Promise<void>>();
      const waitForSlot = async (carrierId: string): Promise<void> => {
        let waitMs = 0;
        const mine = (reserving.get(carrierId) ?? Promise.resolve()).then(async () => {
          let slot = await deps.pacer.reserve(carrierId, 1, PAGE_PACING_HORIZON_MS);
          while (slot === null) {
            await context.sleep(PAGE_PACING_RETRY_MS);
            context.heartbeat();
            slot = await deps.pacer.reserve(carrierId, 1, PAGE_PACING_HORIZON_MS);
          }
          waitMs = slot;
        });
        reserving.set(carrierId, mine.catch(() => undefined));
        await mine;
        for (; waitMs > 0; waitMs -= PACING_STEP_MS) {
          await context.sleep(Math.min(waitMs, PACING_STEP_MS));
          context.heartbeat();
        }
      };

      // A carrier added or changed through the API is connected by the worker's next reconcile
      // (every 5 s): a page waits for it as a message's own workflow waits on the carrier's task
      // queue, rather than failing over at once.
      const connectorOf = async (carrierId: string) => {
        for (let waitedMs = 0; ; waitedMs += CONNECTOR_WAIT_STEP_MS) {
          const connector = carriers.get(carrierId);
          if (connector || waitedMs >= CONNECTOR_WAIT_MS) return connector;
          await context.sleep(CONNECTOR_WAIT_STEP_MS);
          context.heartbeat();
        }
      };

      const submitOne = async (m: BatchMessage): Promise<{ ok: SubmittedRow } | { failed: FailedRow } | { release: string }> => {
        const failedRow = (carrierId: string | null, failure: AttemptFailure, final: boolean): { failed: FailedRow } => ({
          failed: { messageId: m.id, attempt, carrierId, reason: failure.reason, code: failure.error.code, rawCode: failure.error.rawCode, final },
        });
        const request = routeRequest(m);
        const country = request.country ?? null;
        let decision;
        try {
          decision = await plan(request);
        } catch (err) {
          if (!(err instanceof NoRouteError)) throw err;
          return failedRow(null, noCarrierFailure(err.message), true);
        }
        // The same choice the message workflow makes: the first candidate not tried, within the policy's attempts.
        const carrierId = nextCarrier(decision.candidates.map((c) => c.carrierId), m.tried, decision.policy.maxAttempts);
        if (!carrierId) {
          if (wantsVoiceCall(decision.policy, m)) return { release: m.id };
          return failedRow(null, exhaustedFailure(m.last, decision.policy.receiptWaitMs), true);
        }
        receiptWaitMs = Math.max(receiptWaitMs, decision.policy.receiptWaitMs);
        if (decision.policy.backoff.initialMs > backoff.initialMs) backoff = decision.policy.backoff;
        const connector = await connectorOf(carrierId);
        await waitForSlot(carrierId);
        try {
          if (!connector) throw new Error(`carrier ${carrierId} is not configured on this worker`);
          const accepted = await connector.submit({ messageId: m.id, from: m.from, to: m.to, body: m.body, registeredDelivery: true });
          return {
            ok: {
              messageId: m.id,
              attempt,
              carrierId,
              carrierMessageId: accepted.carrierMessageId,
              partIds: accepted.partIds ?? [accepted.carrierMessageId],
              firstPartOnly: connector.receiptsForFirstPartOnly ?? false,
              routingVersion: decision.routingVersion,
              ruleId: decision.ruleId,
              country,
            },
          };
        } catch (err) {
          const error = err instanceof CarrierSubmitError ? err.error : classified(ERRORS.carrierUnavailable, (err as Error).message);
          const failure = submitFailure(carrierId, error, `${error.description} (${error.rawCode})`);
          return failedRow(carrierId, failure, failure.stop);
        }
      };

      for (let i = 0; i < due.length; i += CHUNK) {
        const outcomes = await Promise.all(due.slice(i, i + CHUNK).map(submitOne));
        const ok = outcomes.flatMap((o) => ('ok' in o ? [o.ok] : []));
        const bad = outcomes.flatMap((o) => ('failed' in o ? [o.failed] : []));
        await batches.release(batchId, outcomes.flatMap((o) => ('release' in o ? [o.release] : [])), VOICE_HAND_OVER);
        // What the carriers accepted is recorded through a database restart (heartbeating), or a
        // retry of this activity would submit the chunk again.
        await recordDespiteOutage(() => batches.recordSubmitted(batchId, ok), SUBMITTED_RECORD_BUDGET_MS, () => context.heartbeat(i));
        await batches.recordFailed(batchId, bad);
        await applyEarly(ok);
        submitted += ok.length;
        failed += bad.length;
        context.heartbeat(i);
      }
      if (attempt === 1) await batches.firstAttemptDone(batchId);
      return { submitted, failed, receiptWaitMs, backoff };
    },

    async awaitingReceipts({ batchId, attempt }: { batchId: string; attempt: number }): Promise<number> {
      return batches.awaitingReceipts(batchId, attempt);
    },

    async undecidedMessages({ batchId }: { batchId: string }): Promise<number> {
      return batches.undecided(batchId);
    },

    /**
     * The page's end: what is not final fails, except messages whose route ends in a voice call
     * (their last carrier failed or sent no receipt): they leave for it first.
     */
    async finishBatch({ batchId, receiptWaitMs }: { batchId: string; receiptWaitMs: number }): Promise<{ failed: number }> {
      const unfinished = await batches.unfinished(batchId);
      if (unfinished.length > 0) {
        const plan = await deps.planner.snapshot();
        const voice: string[] = [];
        for (const m of unfinished) {
          const policy = await plan(routeRequest(m)).then(
            (d) => d.policy,
            (err: unknown) => {
              if (err instanceof NoRouteError) return null;
              throw err;
            },
          );
          if (policy && wantsVoiceCall(policy, m)) voice.push(m.id);
        }
        await batches.release(batchId, voice, VOICE_HAND_OVER);
      }
      return batches.finish(batchId, receiptWaitMs);
    },
  };
}

export type BatchActivities = ReturnType<typeof createBatchActivities>;
