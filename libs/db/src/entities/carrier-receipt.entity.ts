import type { ReceiptState } from '@app/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Every delivery receipt a carrier sends, persisted before it is acknowledged. `applied_at`
 * is set once the receipt has been signalled to its message's workflow; a receipt that came
 * before its submit response was recorded waits here until the submit activity claims it.
 */
@Entity({ name: 'carrier_receipts' })
export class CarrierReceiptEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'carrier_id', type: 'text' })
  carrierId!: string;

  @Column({ name: 'carrier_message_id', type: 'text' })
  carrierMessageId!: string;

  @Column({ type: 'text' })
  state!: ReceiptState;

  @Column({ name: 'error_code', type: 'text' })
  errorCode!: string;

  @Column({ name: 'raw_text', type: 'text' })
  rawText!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId!: string | null;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;
}
