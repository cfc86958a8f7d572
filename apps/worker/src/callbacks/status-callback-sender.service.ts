// POSTs the webhook outbox (libs/db status-callbacks): status callbacks, for messages of both
// shapes, and inbound messages (two-way messaging), to customers' endpoints, through the egress client (public addresses only, pinned, no
// redirects; the outcome a customer sees is coarse). Apart from sending, so a slow or failing customer endpoint never
// takes a slot from carrier submits or receipts; each account has a few sends in flight at most
// (CALLBACK_PER_ACCOUNT), so one slow endpoint delays only its own callbacks. 2xx is done;
// a network error, 5xx, 408 or 429 is retried with exponential backoff for up to a day; any other
// 4xx is final. Each outcome lands on the message's timeline (callback_delivered / _failed).
// Rows are leased (SKIP LOCKED), so worker replicas share the outbox. Every webhook is signed
// (X-Signature over the timestamp and the raw body, with each active secret of the account) and
// carries its event id (X-Event-Id and `eventId`, the same on every retry); retries wait an
// exponential backoff with jitter, so endpoints that failed together are not retried together.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { EgressClient, EgressPolicy, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhook } from '@app/egress';
import { DueCallback, listenForNotifications, NotificationListener, STATUS_CALLBACKS_CHANNEL, StatusCallbackRepository, WebhookSecretRepository } from '@app/db';
import { LOGGER, WORKER_CONFIG } from '../tokens';

const POLL_MS = 500;
const LEASE_MS = 60_000;
const IN_FLIGHT = 64;
const CALLBACK_PER_ACCOUNT = 4;
const GIVE_UP_AFTER_MS = 24 * 3600_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/** 2 s, 4 s, 8 s … up to 10 min, each drawn between half and all of it (jitter). */
const callbackBackoffMs = (tries: number, random = Math.random) => Math.min(MAX_BACKOFF_MS, 2000 * 2 ** Math.max(0, tries - 1)) * (0.5 + random() / 2);
const EVENT_TYPES = { status: 'message.status', inbound: 'message.inbound' } as const;
/** An account's signing secrets are read at most this often per worker: a rotation signs within seconds. */
const SECRETS_TTL_MS = 5000;

@Injectable()
export class StatusCallbackSenderService implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private listener?: NotificationListener;
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private pumping = false;
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
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.pump(), POLL_MS);
    this.listener = await listenForNotifications({
      databaseUrl: this.config.databaseUrl,
      channel: STATUS_CALLBACKS_CHANNEL,
      applicationName: 'sms-worker-callbacks',
      onNotify: () => void this.pump(),
      onLost: (err) => this.logger.warn({ err: err.message }, 'callback listener lost; reconnecting (polling meanwhile)'),
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      while (this.total < IN_FLIGHT && !this.stopped) {
        const busy = [...this.inFlight].filter(([, n]) => n >= CALLBACK_PER_ACCOUNT).map(([account]) => account);
        const due = await this.callbacks.lease(IN_FLIGHT - this.total, LEASE_MS, busy);
        if (due.length === 0) break;
        let started = 0;
        for (const callback of due) {
          if ((this.inFlight.get(callback.accountId) ?? 0) >= CALLBACK_PER_ACCOUNT) {
            // Over this account's share: back in the queue at once for the next round.
            await this.callbacks.retryLater(callback, 0, 'waiting for a free send slot of this account');
            continue;
          }
          started += 1;
          this.track(callback.accountId, +1);
          void this.send(callback).finally(() => {
            this.track(callback.accountId, -1);
            void this.pump();
          });
        }
        if (started === 0) break;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'status callbacks: lease failed; will retry');
    } finally {
      this.pumping = false;
    }
  }

  private track(accountId: string, delta: number): void {
    const n = (this.inFlight.get(accountId) ?? 0) + delta;
    if (n > 0) this.inFlight.set(accountId, n);
    else this.inFlight.delete(accountId);
    this.total += delta;
  }

  private async send(callback: DueCallback): Promise<void> {
    try {
      const type = EVENT_TYPES[callback.kind];
      const raw = JSON.stringify({ type, eventId: callback.eventId, ...callback.payload });
      const signature = signWebhook(await this.signingSecrets(callback.accountId), Math.floor(Date.now() / 1000), raw);
      const outcome = await this.egress.postRawJson(callback.url, raw, this.config.callbackTimeoutMs, {
        [SIGNATURE_HEADER]: signature,
        [EVENT_ID_HEADER]: callback.eventId,
        [EVENT_TYPE_HEADER]: type,
      });
      if (outcome.kind === 'delivered') return await this.callbacks.delivered(callback, outcome.status);
      // What the customer is told about its endpoint: a status class, never more of what answered.
      const reason =
        outcome.kind === 'rejected' ? `status callback answered HTTP ${outcome.statusClass}` : outcome.kind === 'unreachable' ? 'status callback endpoint unreachable' : `status callback URL refused: ${outcome.reason}`;
      const expired = Date.now() - callback.createdAt.getTime() > GIVE_UP_AFTER_MS;
      if (!outcome.retry || expired) {
        this.logger.warn({ messageId: callback.messageId, status: callback.status, tries: callback.tries, reason }, 'status callback given up');
        return await this.callbacks.failed(callback, expired ? `${reason}; retried for 24 h` : reason);
      }
      await this.callbacks.retryLater(callback, callbackBackoffMs(callback.tries), reason);
    } catch (err) {
      // The lease expires and the callback is sent again: at least once, never lost.
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
    clearInterval(this.timer);
    await this.listener?.close();
  }
}
