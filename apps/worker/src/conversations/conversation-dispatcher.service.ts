// Signals conversation workflows from the intents committed with each MO and each reply in a
// conversation (`conversation_signals`, accept at commit): signal-with-start, so the first MO of
// a conversation (or the first after it went idle) starts its workflow. Intents are leased (SKIP
// LOCKED), so worker replicas share them; one conversation's intents are signalled in order,
// conversations in parallel. A failed signal leaves its intent to come due again while the
// dispatcher backs off (Temporal down delays conversations, never the carrier's acknowledgement).
// Woken by NOTIFY and a short poll.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { CONVERSATION_SIGNALS_CHANNEL, ConversationRepository, ConversationSignalIntent, listenForNotifications, NotificationListener } from '@app/db';
import { signalConversation } from '@app/temporal';
import { LOGGER, TEMPORAL_CLIENT, WORKER_CONFIG } from '../tokens';

const POLL_MS = 250;
const LEASE_MS = 15_000;
const PER_LEASE = 100;
const SIGNAL_DEADLINE_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

@Injectable()
export class ConversationDispatcherService implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private listener?: NotificationListener;
  private running = false;
  private again = false;
  private stopped = false;
  private pausedUntil = 0;
  private failures = 0;

  constructor(
    private readonly conversations: ConversationRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), POLL_MS);
    this.listener = await listenForNotifications({
      databaseUrl: this.config.databaseUrl,
      channel: CONVERSATION_SIGNALS_CHANNEL,
      applicationName: 'sms-worker-conversations',
      onNotify: () => void this.check(),
      onLost: (err) => this.logger.warn({ err: err.message }, 'conversation listener lost; reconnecting (polling meanwhile)'),
    });
    void this.check();
  }

  private async check(): Promise<void> {
    if (this.stopped || Date.now() < this.pausedUntil) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const intents = await this.conversations.leaseSignals(PER_LEASE, LEASE_MS);
        if (intents.length === 0) break;
        await this.signalAll(intents);
        if (intents.length === PER_LEASE) this.again = true;
      } while (this.again && !this.stopped);
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures);
      this.pausedUntil = Date.now() + delay;
      this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'conversation signals failed; they wait in PostgreSQL');
    } finally {
      this.running = false;
    }
  }

  private async signalAll(intents: ConversationSignalIntent[]): Promise<void> {
    const byConversation = new Map<string, ConversationSignalIntent[]>();
    for (const intent of intents) byConversation.set(intent.conversationId, [...(byConversation.get(intent.conversationId) ?? []), intent]);
    const { taskQueue } = this.config.temporal;
    const { idleTimeoutMs, maxEventsPerRun } = this.config.conversations;
    const done: string[] = [];
    let failure: unknown;
    await Promise.all(
      [...byConversation.values()].map(async (list) => {
        for (const intent of list) {
          // A conversation whose number no account holds any more: nothing to forward to.
          if (intent.accountId) {
            try {
              await this.client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
                signalConversation(this.client, taskQueue, { idleTimeoutMs, maxEventsPerRun }, { conversationId: intent.conversationId, accountId: intent.accountId! }, { kind: intent.kind, id: intent.refId }),
              );
            } catch (err) {
              failure ??= err;
              return; // the rest of this conversation waits, in order
            }
          }
          done.push(intent.id);
        }
      }),
    );
    await this.conversations.signalsSent(done);
    if (failure !== undefined) throw failure;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.close();
  }
}
