// Turns carrier delivery receipts into signals to the message workflows. A receipt is stored
// before the carrier gets its deliver_sm_resp, so it survives any crash, and acknowledged as
// soon as it is stored: a carrier sends receipts in a window of unanswered deliver_sm, so the
// sooner each is answered the more it sends (measured in BENCHMARKS.md: while the carrier's
// window waited for each receipt to be applied as well, receipts ran at a third of the rate
// they reach once acknowledged at storage). Each is matched to its message as it is stored.
// Stored receipts are applied behind the answers, in order, in groups: a bulk message's to its
// row (BatchRepository.applyReceipts; stored taken, so nothing marks it after), whose page is
// signalled once its attempt has no receipt outstanding; a per-message one as a signal to its
// workflow. A receipt whose submit response has not been recorded yet waits in
// carrier_receipts for the submit activity to claim it; the sweeper applies anything stored
// that was not applied, and bulk receipts taken whose attempt still waits for them (a crash
// between answer and apply loses nothing).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { batchReceiptsInSignal, batchWorkflowId, carrierReceiptSignal, messageWorkflowId } from '@app/contracts';
import type { InboundReceipt } from '@app/carriers';
import { BatchRepository, PageAttempt, ReceiptRepository, receiptKey, StoredReceipt } from '@app/db';
import { LOGGER, TEMPORAL_CLIENT } from '../tokens';

const SWEEP_MS = 10_000;
/** A bulk receipt stored taken is swept up if its attempt still waits for it this long after (the applier is far quicker). */
const TAKEN_GRACE_MS = 5_000;
/** A group waits at most this long for more receipts, and holds at most GROUP_MAX. */
const GROUP_MS = 2;
const GROUP_MAX = 200;
/** Stored receipts applied per round of the applier. */
const APPLY_MAX = 500;
/** Stored but not yet applied receipts held in memory before answers wait for the applier. */
const BACKLOG_MAX = 5000;

@Injectable()
export class ReceiptRouterService implements OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;
  private group: { inbound: InboundReceipt; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private groupTimer?: NodeJS.Timeout;
  private backlog: StoredReceipt[] = [];
  private applying?: Promise<void>;
  private drained: (() => void)[] = [];

  constructor(
    private readonly receipts: ReceiptRepository,
    private readonly batches: BatchRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  startSweeper(): void {
    // At start too: receipts a crashed worker had stored and answered but not yet applied.
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
  }

  /**
   * Awaited by the connector before it acknowledges the deliver_sm. Throws = not acknowledged.
   * Receipts arriving together (a carrier's window of deliver_sm) are stored by one statement
   * and answered together; applying them follows (applyBacklog).
   */
  handle(inbound: InboundReceipt): Promise<void> {
    return new Promise((resolve, reject) => {
      this.group.push({ inbound, resolve, reject });
      if (this.group.length >= GROUP_MAX) this.flush();
      else this.groupTimer ??= setTimeout(() => this.flush(), GROUP_MS);
    });
  }

  private flush(): void {
    clearTimeout(this.groupTimer);
    this.groupTimer = undefined;
    const group = this.group;
    this.group = [];
    if (group.length === 0) return;
    this.store(group.map((g) => g.inbound)).then(
      () => group.forEach((g) => g.resolve()),
      (err: unknown) => group.forEach((g) => g.reject(err)),
    );
  }

  private async store(inbound: InboundReceipt[]): Promise<void> {
    const stored = await this.receipts.storeMany(
      inbound.map((r) => ({ receipt: { carrierId: r.carrierId, carrierMessageId: r.carrierMessageId, state: r.state, errorCode: r.errorCode }, rawText: r.rawText })),
    );
    // New bulk receipts are stored taken, to be applied here; a carrier re-sending a receipt we
    // already applied finds it applied: nothing more to do.
    this.backlog.push(...stored.filter((s) => !s.appliedAt || s.delivery === 'batch'));
    this.applying ??= this.applyBacklog().finally(() => (this.applying = undefined));
    // Backpressure: a carrier faster than we apply waits for its answers, not our memory.
    if (this.backlog.length > BACKLOG_MAX) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  /** Applies stored receipts in the order they came, a group at a time, until none is left. */
  private async applyBacklog(): Promise<void> {
    while (this.backlog.length > 0) {
      const next = this.backlog.splice(0, APPLY_MAX);
      try {
        await this.applyGroup(next);
      } catch (err) {
        this.logger.warn({ err, receipts: next.length }, 'applying stored receipts failed; the sweeper applies them');
      }
      if (this.backlog.length <= BACKLOG_MAX) for (const resolve of this.drained.splice(0)) resolve();
    }
  }

  private async applyGroup(stored: StoredReceipt[]): Promise<void> {
    // Most were matched as they were stored; the rest may have been matched since.
    const targets = await this.receipts.messagesFor(stored.filter((s) => !s.delivery).map((s) => s.receipt));
    const bulk: { stored: StoredReceipt; messageId: string }[] = [];
    const perMessage: { stored: StoredReceipt; messageId: string }[] = [];
    for (const s of stored) {
      const target = s.delivery ? { messageId: s.messageId!, delivery: s.delivery } : targets.get(receiptKey(s.receipt.carrierId, s.receipt.carrierMessageId));
      if (!target) {
        this.logger.info({ carrierId: s.receipt.carrierId, carrierMessageId: s.receipt.carrierMessageId }, 'receipt before its submit response: kept until claimed');
        continue;
      }
      (target.delivery === 'batch' ? bulk : perMessage).push({ stored: s, messageId: target.messageId });
    }
    if (bulk.length > 0) {
      const { pages } = await this.batches.applyReceipts(bulk.map((b) => ({ messageId: b.messageId, receipt: b.stored.receipt })));
      // Those stored taken need no mark.
      await this.receipts.markAppliedMany(bulk.filter((b) => !b.stored.appliedAt).map((b) => ({ id: b.stored.id, messageId: b.messageId })));
      await this.tellPages(pages);
    }
    // Their messages' own workflows get a signal each; the receipts signalled are marked in one statement.
    const signalled = await Promise.allSettled(perMessage.map((p) => this.signalWorkflow(p.stored, p.messageId)));
    await this.receipts.markAppliedMany(perMessage.filter((_, i) => signalled[i].status === 'fulfilled').map((p) => ({ id: p.stored.id, messageId: p.messageId })));
    const failed = signalled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** A receipt the sweeper found matched and not applied: its message's shape is looked up. */
  private async apply(stored: StoredReceipt, messageId: string): Promise<void> {
    // A bulk message (sendBatch) has no workflow of its own: its row takes the receipt.
    if ((await this.batches.deliveryOf(messageId)) === 'batch') {
      const { pages } = await this.batches.applyReceipts([{ messageId, receipt: stored.receipt }]);
      await this.receipts.markApplied(stored.id, messageId);
      await this.tellPages(pages);
      return;
    }
    await this.signalWorkflow(stored, messageId);
    await this.receipts.markApplied(stored.id, messageId);
  }

  private async signalWorkflow(stored: StoredReceipt, messageId: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(messageWorkflowId(messageId)).signal(carrierReceiptSignal, stored.receipt);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // The workflow already finished (e.g. it failed over after a receipt timeout): keep the receipt as a record.
      this.logger.info({ messageId, carrierMessageId: stored.receipt.carrierMessageId, state: stored.receipt.state }, 'late receipt for a finished message');
    }
  }

  /**
   * Signals the pages whose attempt has every receipt in, of those receipts just touched. The
   * receipts are committed by now, so a failed signal loses nothing: the page's own safety
   * check finds them (SAFETY_CHECK_MS).
   */
  private async tellPages(pages: PageAttempt[]): Promise<void> {
    try {
      const complete = await this.batches.attemptsComplete(pages);
      await Promise.all(
        complete.map(({ batchId, attempt }) =>
          this.client.workflow
            .getHandle(batchWorkflowId(batchId))
            .signal(batchReceiptsInSignal, { attempt })
            .catch((err: unknown) => {
              // A page that already finished needs no news.
              if (!(err instanceof WorkflowNotFoundError)) this.logger.warn({ err, batchId }, 'could not signal a bulk page; it will check by itself');
            }),
        ),
      );
    } catch (err) {
      this.logger.warn({ err }, 'could not find complete bulk pages; they will check by themselves');
    }
  }

  async sweep(): Promise<number> {
    let applied = 0;
    try {
      for (const stored of await this.receipts.unappliedMatched()) {
        await this.apply(stored, stored.messageId!);
        applied += 1;
      }
      // Bulk receipts stored taken whose apply did not happen (the group's apply failed, or the worker stopped first).
      const taken = await this.receipts.takenUnapplied(TAKEN_GRACE_MS);
      if (taken.length > 0) {
        const { pages } = await this.batches.applyReceipts(taken.map((t) => ({ messageId: t.messageId!, receipt: t.receipt })));
        await this.tellPages(pages);
        applied += taken.length;
      }
    } catch (err) {
      this.logger.warn({ err }, 'receipt sweep failed; will retry');
    }
    return applied;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    // Receipts stored but not applied yet are applied now if time allows, else at the next start's sweep.
    await this.applying;
  }
}
