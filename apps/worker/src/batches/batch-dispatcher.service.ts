// Starts sendBatch workflows for bulk messages (delivery 'batch', from SMPP binds): a page
// starts when a full page is waiting or the oldest waiting message is older than the page
// delay, while few claimed messages still wait for their first submit (pages submitting are
// what load the carriers' binds; pages waiting for receipts cost next to nothing, so many
// more of those may run: BATCH_MAX_RUNNING per worker). Woken by NOTIFY from the
// intake and by a short poll. The page claims its messages itself (an activity), so a page
// whose workflow never started leaves nothing stranded.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import type { Logger } from 'pino';
import { batchWorkflowId } from '@app/contracts';
import type { WorkerConfig } from '@app/config';
import { BATCH_PENDING_CHANNEL, BatchRepository } from '@app/db';
import { LOGGER, TEMPORAL_CLIENT, WORKER_CONFIG } from '../tokens';

const POLL_MS = 100;

@Injectable()
export class BatchDispatcherService implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private listener?: PgClient;
  private running = 0;
  private checking = false;
  private stopped = false;

  constructor(
    private readonly batches: BatchRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), POLL_MS);
    const listener = new PgClient({ connectionString: this.config.databaseUrl, application_name: 'sms-worker-batches' });
    listener.on('notification', () => void this.check());
    listener.on('error', (err) => this.logger.warn({ err: err.message }, 'batch listener lost; polling only'));
    await listener.connect();
    await listener.query(`LISTEN ${BATCH_PENDING_CHANNEL}`);
    this.listener = listener;
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      const { pageSize, pageDelayMs, maxRunning, maxSubmitting } = this.config.batches;
      while (this.running < maxRunning && !this.stopped) {
        const pending = await this.batches.pending(pageSize);
        if (pending.count === 0 || (pending.count < pageSize && pending.oldestMs < pageDelayMs)) break;
        if (pending.unsubmitted >= maxSubmitting * pageSize) break;
        await this.startPage(Math.min(pending.count, pageSize));
      }
    } catch (err) {
      this.logger.warn({ err }, 'batch dispatch failed; will retry');
    } finally {
      this.checking = false;
    }
  }

  private async startPage(expected: number): Promise<void> {
    const batchId = randomUUID();
    const handle = await this.client.workflow.start('sendBatch', {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: batchWorkflowId(batchId),
      args: [{ batchId, pageSize: this.config.batches.pageSize, maxAttempts: this.config.batches.maxAttempts }],
    });
    this.running += 1;
    this.logger.debug({ batchId, expected }, 'batch started');
    // The page claims its messages in its first step: wait for that, so the next check does not count them again.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await this.batches.claimedCount(batchId)) === 0) {
      const described = await handle.describe().catch(() => undefined);
      if (described && described.status.name !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    void handle
      .result()
      .catch((err: unknown) => this.logger.error({ err, batchId }, 'batch workflow failed'))
      .finally(() => {
        this.running -= 1;
        void this.check();
      });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
  }
}
