// Safety net for "no message row without its workflow": the API deletes a message whose
// workflow start failed, but a process dying between the insert and the start would leave
// an `accepted` row. This starts the workflow of any message still `accepted` after a grace
// period; the workflow id is derived from the message id, so a message is never sent twice.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { MessageRepository } from '@app/db';
import { startSendMessage } from '@app/temporal';
import { LOGGER, TEMPORAL_CLIENT, WORKER_CONFIG } from '../tokens';

const GRACE_MS = 60_000;
const INTERVAL_MS = 30_000;

@Injectable()
export class AcceptedReconcilerService implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly messages: MessageRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.reconcile(GRACE_MS), INTERVAL_MS);
  }

  async reconcile(graceMs: number): Promise<number> {
    let started = 0;
    try {
      for (const message of await this.messages.staleAccepted(graceMs)) {
        const result = await startSendMessage(this.client, this.config.temporal.taskQueue, { messageId: message.id, accountId: message.accountId });
        if (result.started) {
          started += 1;
          this.logger.warn({ messageId: message.id }, 'started the workflow of a message left accepted');
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'reconciling accepted messages failed; will retry');
    }
    return started;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
