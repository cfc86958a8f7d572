// Starts the delivery engine's workflows from the start intents committed with the messages
// (accept at commit): a message's own sendMessage workflow from `workflow_starts` (at most
// WORKFLOW_MAX_STARTING started and not yet submitted: starting-workflows.ts), and pages of
// bulk messages (REST batches, bulk SMPP binds) as sendBatch workflows from `page_starts`. A page
// is written (its messages grouped, its intent stored) when a full page waits or the oldest
// waiting message is older than the page delay, OTP first, while few paged messages still wait
// for their first submit (pages submitting are what load the carriers' binds; pages waiting for
// receipts cost next to nothing, so BATCH_MAX_RUNNING of those may run per worker); past that
// cap, waiting OTP still get pages of their own. Woken by NOTIFY from the intake, which says
// what it made due (workflow starts; how many messages wait for a page: page-look.ts decides
// when looking for a page is worth a query), and by a short poll (OutboxLoop). Intents are
// leased, so any number of worker replicas share them; a start that fails (Temporal down or
// slow) leaves its intent to come due again, and the dispatcher backs off until Temporal answers.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { batchWorkflowId } from '@app/contracts';
import type { WorkerConfig } from '@app/config';
import { DISPATCH_CHANNEL, DispatchRepository, announcedPages } from '@app/db';
import { startSendBatch, startSendMessage } from '@app/temporal';
import { OutboxLoop } from '../outbox/outbox-loop';
import { PageLook } from './page-look';
import { StartingWorkflows } from './starting-workflows';
import { LOGGER, TEMPORAL_CLIENT, WORKER_CONFIG } from '../tokens';

const POLL_MS = 100;
/** The longest time between two looks for pages (PageLook). */
const PAGE_LOOK_MAX_GAP_MS = 250;
/** An intent leased by a dispatcher that died comes due again after this. */
const LEASE_MS = 10_000;
/** A start that takes longer than this counts as failed (Temporal unreachable or overloaded). */
const START_DEADLINE_MS = 5_000;
const STARTS_PER_LEASE = 100;
const STARTS_IN_FLIGHT = 32;
const MAX_BACKOFF_MS = 5_000;

@Injectable()
export class DispatcherService implements OnApplicationShutdown {
  private readonly loop: OutboxLoop;
  private runningPages = 0;
  private stopped = false;
  private readonly pageLook: PageLook;
  private readonly starting: StartingWorkflows;

  constructor(
    private readonly dispatch: DispatchRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.pageLook = new PageLook(config.batches.pageSize, config.batches.pageDelayMs, POLL_MS, PAGE_LOOK_MAX_GAP_MS);
    this.starting = new StartingWorkflows(config.maxStartingWorkflows, (ids) => this.dispatch.stillStarting(ids));
    this.loop = new OutboxLoop({
      databaseUrl: config.databaseUrl,
      channel: DISPATCH_CHANNEL,
      applicationName: 'sms-worker-dispatch',
      pollMs: POLL_MS,
      maxBackoffMs: MAX_BACKOFF_MS,
      logger,
      failureMessage: 'dispatch failed; accepted messages wait in PostgreSQL',
      onNotify: (payload) => this.pageLook.announce(announcedPages(payload)),
      round: () => this.round(),
    });
  }

  start(): Promise<void> {
    return this.loop.start();
  }

  /** One lease of workflow starts per round, then pages: a stream of singles never starves pages. */
  private async round(): Promise<boolean> {
    const more = (await this.startMessageWorkflows()) === STARTS_PER_LEASE;
    if (this.pageLook.due()) {
      await this.writePages();
      await this.startPages();
    }
    return more;
  }

  /**
   * Starts with bounded concurrency, each within a deadline; stops at the first slice with a
   * failure (the caller records what started, then backs off).
   */
  private async startAll<T>(items: T[], start: (item: T) => Promise<unknown>): Promise<{ started: T[]; failure?: unknown }> {
    const started: T[] = [];
    let failure: unknown;
    for (let i = 0; i < items.length && failure === undefined; i += STARTS_IN_FLIGHT) {
      const slice = items.slice(i, i + STARTS_IN_FLIGHT);
      const results = await Promise.allSettled(slice.map((item) => this.client.withDeadline(Date.now() + START_DEADLINE_MS, () => start(item))));
      results.forEach((r, j) => (r.status === 'fulfilled' ? started.push(slice[j]) : (failure ??= r.reason)));
    }
    return { started, failure };
  }

  /**
   * Starts up to one lease of due message workflows, as many as there is room for (started
   * workflows yet to submit stay under WORKFLOW_MAX_STARTING); returns how many intents it leased.
   */
  private async startMessageWorkflows(): Promise<number> {
    const { taskQueue } = this.config.temporal;
    const room = Math.min(STARTS_PER_LEASE, await this.starting.room());
    if (room === 0) return 0;
    const intents = await this.dispatch.leaseWorkflowStarts(room, LEASE_MS);
    if (intents.length === 0) return 0;
    const { started, failure } = await this.startAll(intents, (i) => startSendMessage(this.client, taskQueue, { messageId: i.messageId, accountId: i.accountId, priority: i.priority }));
    this.starting.add(started.map((i) => i.messageId));
    await this.dispatch.workflowsStarted(started.map((i) => i.messageId));
    if (failure !== undefined) throw failure;
    return intents.length;
  }

  private async writePages(): Promise<void> {
    const { pageSize, maxRunning, maxSubmitting } = this.config.batches;
    while (this.runningPages < maxRunning && !this.stopped) {
      this.pageLook.looking();
      const pending = await this.dispatch.pending(pageSize);
      if (!this.pageLook.pageDue(pending)) return this.pageLook.looked(pending);
      // Past the cap on paged messages not yet with a carrier, OTP still get pages of their own:
      // they never wait behind bulk (README, "Which shape carries a message").
      const capped = pending.unsubmitted >= maxSubmitting * pageSize;
      if (capped && !this.pageLook.pageDue(pending.otp)) return this.pageLook.looked(pending, true);
      const page = await this.dispatch.createPage(pageSize, capped);
      if (!page) return this.pageLook.looked(pending, true);
      this.logger.debug({ batchId: page.batchId, size: page.size }, 'page written');
      await this.startPages();
    }
  }

  /** Starts due page intents (written by this process or a replica that died); follows each page to its end. */
  private async startPages(): Promise<void> {
    const { taskQueue } = this.config.temporal;
    const intents = await this.dispatch.leasePageStarts(STARTS_PER_LEASE, LEASE_MS);
    if (intents.length === 0) return;
    const { started, failure } = await this.startAll(intents, (p) => startSendBatch(this.client, taskQueue, { batchId: p.batchId, accountIds: p.accountIds, maxAttempts: this.config.batches.maxAttempts }));
    for (const page of started) {
      await this.dispatch.pageStarted(page.batchId);
      this.runningPages += 1;
      void this.client.workflow
        .getHandle(batchWorkflowId(page.batchId))
        .result()
        .catch((err: unknown) => this.logger.error({ err, batchId: page.batchId }, 'page workflow failed'))
        .finally(() => {
          this.runningPages -= 1;
          this.pageLook.announce(null);
          this.loop.wake();
        });
    }
    if (failure !== undefined) throw failure;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }
}
