// Turns carrier delivery receipts into signals to the message workflows. A receipt is stored
// before the carrier gets its deliver_sm_resp, so it survives any crash; if its submit
// response has not been recorded yet, it waits in carrier_receipts for the submit activity
// (or the sweeper below) to claim it. Nothing is acknowledged that is not durable. A bulk
// message's receipt is applied to its row directly (see BatchRepository.applyReceipt).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { carrierReceiptSignal, messageWorkflowId } from '@app/contracts';
import type { InboundReceipt } from '@app/carriers';
import { BatchRepository, ReceiptRepository, StoredReceipt } from '@app/db';
import { LOGGER, TEMPORAL_CLIENT } from '../tokens';

const SWEEP_MS = 10_000;

@Injectable()
export class ReceiptRouterService implements OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly receipts: ReceiptRepository,
    private readonly batches: BatchRepository,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  startSweeper(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
  }

  /** Awaited by the connector before it acknowledges the deliver_sm. Throws = not acknowledged. */
  async handle(inbound: InboundReceipt): Promise<void> {
    const stored = await this.receipts.store(
      { carrierId: inbound.carrierId, carrierMessageId: inbound.carrierMessageId, state: inbound.state, errorCode: inbound.errorCode },
      inbound.rawText,
    );
    if (stored.appliedAt) return; // a carrier re-sent a receipt we already applied
    const messageId = await this.receipts.messageFor(inbound.carrierId, inbound.carrierMessageId);
    if (!messageId) {
      this.logger.info({ carrierId: inbound.carrierId, carrierMessageId: inbound.carrierMessageId }, 'receipt before its submit response: kept until claimed');
      return;
    }
    await this.apply(stored, messageId);
  }

  private async apply(stored: StoredReceipt, messageId: string): Promise<void> {
    // A bulk message (sendBatch) has no workflow of its own: its row takes the receipt.
    if ((await this.batches.deliveryOf(messageId)) === 'batch') {
      await this.batches.applyReceipt(messageId, stored.receipt);
      await this.receipts.markApplied(stored.id, messageId);
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
