// The one sender of the webhook outbox (libs/db status-callbacks): status callbacks, for
// messages of both shapes, and inbound messages (two-way messaging), POSTed to customers'
// endpoints through the egress client (public addresses only, pinned, no redirects; the outcome
// a customer sees is coarse). Apart from sending, so a slow or failing customer endpoint never
// takes a slot from carrier submits or receipts; each account has a few sends in flight at most
// (CALLBACK_PER_ACCOUNT, enforced in the lease), so one slow endpoint delays only its own
// webhooks. Each message's (or conversation's) webhooks go out in order: a later one waits
// while an earlier one is retried. 2xx is done; a network error, 5xx, 408 or 429 is retried with
// exponential backoff and jitter (WEBHOOK_RETRY_BASE_MS doubling to WEBHOOK_RETRY_MAX_MS, each
// wait drawn between half and all of it, so endpoints that failed together are not retried
// together) for WEBHOOK_RETRY_HOURS; any other 4xx is final. An endpoint failing for
// WEBHOOK_UNHEALTHY_AFTER_SECONDS is unhealthy: its webhooks are held, probed one at a time.
// Every try is logged (webhook_attempts) and finished ones land on the message's timeline.
// Rows are leased (SKIP LOCKED), so worker replicas share the outbox; a stopping worker lets its
// sends finish and records them. Every webhook is signed (X-Signature over the timestamp and the
// raw body, with each active secret of the account) and carries its event id (X-Event-Id and
// `eventId`, the same on every retry and replay).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { EgressClient, EgressOutcome, EgressPolicy, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhook } from '@app/egress';
import { DueCallback, STATUS_CALLBACKS_CHANNEL, StatusCallbackRepository, TryResult, WEBHOOK_EVENT_TYPES, WebhookSecretRepository } from '@app/db';
import { OutboxLoop } from '../outbox/outbox-loop';
import { LOGGER, WORKER_CONFIG } from '../tokens';

const POLL_MS = 500;
const MAX_BACKOFF_MS = 5_000;
const LEASE_MS = 60_000;
const IN_FLIGHT = 64;
const CALLBACK_PER_ACCOUNT = 4;
/** An account's signing secrets are read at most this often per worker: a rotation signs within seconds. */
const SECRETS_TTL_MS = 5000;

/** The wait before the next try after `tries` failed ones: base, 2×base, 4×base … up to max, each drawn between half and all of it. */
export const webhookBackoffMs = (tries: number, baseMs: number, maxMs: number, random = Math.random): number => Math.min(maxMs, baseMs * 2 ** Math.max(0, tries - 1)) * (0.5 + random() / 2);

/**
 * What the customer is told about its endpoint: a status class or a coarse error, never more of
 * what answered; `label` names the kind of webhook ('status callback', 'inbound webhook').
 */
export function tryResult(outcome: EgressOutcome, tries: number, backoff: { retryBaseMs: number; retryMaxMs: number }, label = 'status callback'): TryResult {
  switch (outcome.kind) {
    case 'delivered':
      return { kind: 'delivered', httpStatus: outcome.status };
    case 'rejected': {
      const error = `${label} answered HTTP ${outcome.statusClass}`;
      return outcome.retry ? { kind: 'retry', httpStatus: outcome.status, error, backoffMs: webhookBackoffMs(tries, backoff.retryBaseMs, backoff.retryMaxMs) } : { kind: 'final', httpStatus: outcome.status, error };
    }
    case 'unreachable':
      return { kind: 'retry', httpStatus: null, error: `${label} endpoint unreachable`, backoffMs: webhookBackoffMs(tries, backoff.retryBaseMs, backoff.retryMaxMs) };
    case 'refused':
      return { kind: 'final', httpStatus: null, error: `${label} URL refused: ${outcome.reason}` };
  }
}

const LABELS = { status: 'status callback', inbound: 'inbound webhook' } as const;

@Injectable()
export class StatusCallbackSenderService implements OnApplicationShutdown {
  private readonly loop: OutboxLoop;
  private readonly inFlight = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private stopped = false;
  private readonly egress: EgressClient;
  private readonly secretCache = new Map<string, { secrets: Promise<string[]>; until: number }>();

  constructor(
    private readonly callbacks: StatusCallbackRepository,
    private readonly secrets: WebhookSecretRepository,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.egress = new EgressClient(new EgressPolicy(config.egressAllowHosts), 'sms-aggregator-callbacks/0.1');
    this.loop = new OutboxLoop({
      databaseUrl: config.databaseUrl,
      channel: STATUS_CALLBACKS_CHANNEL,
      applicationName: 'sms-worker-callbacks',
      pollMs: POLL_MS,
      maxBackoffMs: MAX_BACKOFF_MS,
      logger,
      failureMessage: 'webhooks: lease failed; they wait in PostgreSQL',
      round: () => this.leaseAndSend(),
    });
  }

  start(): Promise<void> {
    return this.loop.start();
  }

  /** Leases what this worker has room for and starts sending it; a finished send wakes the loop. */
  private async leaseAndSend(): Promise<boolean> {
    if (this.stopped || this.sending.size >= IN_FLIGHT) return false;
    const due = await this.callbacks.lease(IN_FLIGHT - this.sending.size, LEASE_MS, CALLBACK_PER_ACCOUNT, this.inFlight);
    for (const callback of due) {
      this.track(callback.accountId, +1);
      const sent = this.send(callback).finally(() => {
        this.sending.delete(sent);
        this.track(callback.accountId, -1);
        this.loop.wake();
      });
      this.sending.add(sent);
    }
    return due.length > 0 && this.sending.size < IN_FLIGHT;
  }

  private track(accountId: string, delta: number): void {
    const n = (this.inFlight.get(accountId) ?? 0) + delta;
    if (n > 0) this.inFlight.set(accountId, n);
    else this.inFlight.delete(accountId);
  }

  private async send(callback: DueCallback): Promise<void> {
    try {
      const type = WEBHOOK_EVENT_TYPES[callback.kind];
      const raw = JSON.stringify({ type, eventId: callback.eventId, ...callback.payload });
      const signature = signWebhook(await this.signingSecrets(callback.accountId), Math.floor(Date.now() / 1000), raw);
      const started = performance.now();
      const egress = await this.egress.postRawJson(callback.url, raw, this.config.callbackTimeoutMs, {
        [SIGNATURE_HEADER]: signature,
        [EVENT_ID_HEADER]: callback.eventId,
        [EVENT_TYPE_HEADER]: type,
      });
      const result = tryResult(egress, callback.tries + 1, this.config.webhooks, LABELS[callback.kind]);
      const outcome = await this.callbacks.recordTry(callback, result, performance.now() - started, this.config.webhooks);
      if (outcome === 'failed' && result.kind !== 'delivered') this.logger.warn({ messageId: callback.messageId, eventId: callback.eventId, tries: callback.tries + 1, reason: result.error }, 'webhook given up');
    } catch (err) {
      // The lease expires and the webhook is sent again: at least once, never lost.
      this.logger.warn({ err: (err as Error).message, messageId: callback.messageId, eventId: callback.eventId }, 'webhook outcome not recorded; it will be sent again');
    }
  }

  private signingSecrets(accountId: string): Promise<string[]> {
    const cached = this.secretCache.get(accountId);
    if (cached && cached.until > Date.now()) return cached.secrets;
    const secrets = this.secrets.signingSecrets(accountId);
    this.secretCache.set(accountId, { secrets, until: Date.now() + SECRETS_TTL_MS });
    secrets.catch(() => this.secretCache.delete(accountId));
    if (this.secretCache.size > 10_000) this.secretCache.clear();
    return secrets;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    // Sends under way end within their timeout; recording them now spares their endpoints a resend after the lease.
    await Promise.allSettled([...this.sending]);
  }
}
