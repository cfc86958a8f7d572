import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AttemptStatus = 'submitting' | 'submitted' | 'delivered' | 'receipt_failed' | 'receipt_timeout' | 'submit_failed';

/** One submission of a message to one carrier; maps the carrier's message id back to ours. */
@Entity({ name: 'message_attempts' })
export class MessageAttemptEntity {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  @PrimaryColumn({ type: 'int' })
  attempt!: number;

  @Column({ name: 'carrier_id', type: 'text' })
  carrierId!: string;

  @Column({ name: 'carrier_message_id', type: 'text', nullable: true })
  carrierMessageId!: string | null;

  @Column({ type: 'text' })
  status!: AttemptStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** The bulk page (sendBatch) that made this attempt; null on the per-message path. */
  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId!: string | null;
}
