// Turns carrier delivery receipts into signals to the message workflows. A receipt is stored
// before the carrier gets its deliver_sm_resp, so it survives any crash; if its submit
// response has not been recorded yet, it waits in carrier_receipts for the submit activity
// (or the sweeper below) to claim it. Nothing is acknowledged that is not durable. A bulk
// message's receipt is applied to its row directly (see BatchRepository.applyReceipt), and its
// page is signalled once the page's attempt has no receipt outstanding.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { batchReceiptsInSignal, batchWorkflowId, carrierReceiptSignal, messageWorkflowId } from '@app/contracts';
import type { InboundReceipt } from '@app/carriers';
import { BatchRepository, PageAttempt, ReceiptRepository, receiptKey, StoredReceipt } from '@app/db';
import { LOGGER, TEMPORAL_CLIENT } from '../tokens';

const SWEEP_MS = 10_000;
/** A group waits at most this long for more receipts, and holds at most GROUP_MAX. */
const GROUP_MS = 2;
const GROUP_MAX = 200;

@Injectable()
export class ReceiptRouterService implements OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;
  private group: { inbound: InboundReceipt; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private groupTimer?: NodeJS.Timeout;

  constructor(
    private readonly receipts: ReceiptRepository,
    private readonly batches: BatchRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  startSweeper(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
  }

  /**
   * Awaited by the connector before it acknowledges the deliver_sm. Throws = not acknowledged.
   * Receipts arriving together (a carrier's window of deliver_sm) are handled as one group:
   * one statement stores them, one finds their messages, one transaction applies the bulk
   * ones, so a receipt costs a share of a commit instead of several round trips.
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
    this.process(group.map((g) => g.inbound)).then(
      () => group.forEach((g) => g.resolve()),
      (err: unknown) => group.forEach((g) => g.reject(err)),
    );
  }

  private async process(inbound: InboundReceipt[]): Promise<void> {
    const stored = await this.receipts.storeMany(
      inbound.map((r) => ({ receipt: { carrierId: r.carrierId, carrierMessageId: r.carrierMessageId, state: r.state, errorCode: r.errorCode }, rawText: r.rawText })),
    );
    // A carrier re-sending a receipt we already applied finds it applied: nothing more to do.
    const unapplied = stored.filter((s) => !s.appliedAt);
    const targets = await this.receipts.messagesFor(unapplied.map((s) => s.receipt));
    const bulk: { stored: StoredReceipt; messageId: string }[] = [];
    const perMessage: { stored: StoredReceipt; messageId: string }[] = [];
    for (const s of unapplied) {
      const target = targets.get(receiptKey(s.receipt.carrierId, s.receipt.carrierMessageId));
      if (!target) {
        this.logger.info({ carrierId: s.receipt.carrierId, carrierMessageId: s.receipt.carrierMessageId }, 'receipt before its submit response: kept until claimed');
        continue;
      }
      (target.delivery === 'batch' ? bulk : perMessage).push({ stored: s, messageId: target.messageId });
    }
    if (bulk.length > 0) {
      const { pages } = await this.batches.applyReceipts(bulk.map((b) => ({ messageId: b.messageId, receipt: b.stored.receipt })));
      await this.receipts.markAppliedMany(bulk.map((b) => ({ id: b.stored.id, messageId: b.messageId })));
      await this.tellPages(pages);
    }
    await Promise.all(perMessage.map((p) => this.apply(p.stored, p.messageId)));
  }

  private async apply(stored: StoredReceipt, messageId: string): Promise<void> {
    // A bulk message (sendBatch) has no workflow of its own: its row takes the receipt.
    if ((await this.batches.deliveryOf(messageId)) === 'batch') {
      const { pages } = await this.batches.applyReceipts([{ messageId, receipt: stored.receipt }]);
      await this.receipts.markApplied(stored.id, messageId);
      await this.tellPages(pages);
      return;
    }
    try {
      await this.client.workflow.getHandle(messageWorkflowId(messageId)).signal(carrierReceiptSignal, stored.receipt);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // The workflow already finished (e.g. it failed over after a receipt timeout): keep the receipt as a record.
      this.logger.info({ messageId, carrierMessageId: stored.receipt.carrierMessageId, state: stored.receipt.state }, 'late receipt for a finished message');
    }
    await this.receipts.markApplied(stored.id, messageId);
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
    } catch (err) {
      this.logger.warn({ err }, 'receipt sweep failed; will retry');
    }
    return applied;
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
