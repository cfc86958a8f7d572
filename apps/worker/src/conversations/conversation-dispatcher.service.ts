// Signals conversation workflows from the intents committed with each MO and each reply in a
// conversation (`conversation_signals`, accept at commit): signal-with-start, so the first MO of
// a conversation (or the first after it went idle) starts its workflow. Intents are leased (SKIP
// LOCKED), so worker replicas share them; one conversation's intents are signalled in order,
// conversations in parallel. A failed signal leaves its intent to come due again while the
// dispatcher backs off (Temporal down delays conversations, never the carrier's acknowledgement).
// Woken by NOTIFY and a short poll (OutboxLoop).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { CONVERSATION_SIGNALS_CHANNEL, ConversationRepository, ConversationSignalIntent } from '@app/db';
import { signalConversation } from '@app/temporal';
import { OutboxLoop } from '../outbox/outbox-loop';
import { LOGGER, TEMPORAL_CLIENT, WORKER_CONFIG } from '../tokens';

const POLL_MS = 250;
const LEASE_MS = 15_000;
const PER_LEASE = 100;
const SIGNAL_DEADLINE_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

@Injectable()
export class ConversationDispatcherService implements OnApplicationShutdown {
  private readonly loop: OutboxLoop;

  constructor(
    private readonly conversations: ConversationRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.loop = new OutboxLoop({
      databaseUrl: config.databaseUrl,
      channel: CONVERSATION_SIGNALS_CHANNEL,
      applicationName: 'sms-worker-conversations',
      pollMs: POLL_MS,
      maxBackoffMs: MAX_BACKOFF_MS,
      logger,
      failureMessage: 'conversation signals failed; they wait in PostgreSQL',
      round: async () => {
        const intents = await this.conversations.leaseSignals(PER_LEASE, LEASE_MS);
        if (intents.length > 0) await this.signalAll(intents);
        return intents.length === PER_LEASE;
      },
    });
  }

  start(): Promise<void> {
    return this.loop.start();
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
    await this.loop.stop();
  }
}
