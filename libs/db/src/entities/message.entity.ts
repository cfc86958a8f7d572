import type { MessageEncoding, MessagePriority, MessageStatus } from '@app/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ name: 'to_number', type: 'text' })
  to!: string;

  /** ISO country of the destination (for routing and per-country carrier health). */
  @Column({ type: 'text', nullable: true })
  country!: string | null;

  @Column({ name: 'from_address', type: 'text' })
  from!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text' })
  encoding!: MessageEncoding;

  @Column({ type: 'int' })
  segments!: number;

  @Column({ type: 'text' })
  status!: MessageStatus;

  @Column({ type: 'text', default: 'transactional' })
  priority!: MessagePriority;

  @Column({ name: 'routing_version', type: 'int', nullable: true })
  routingVersion!: number | null;

  @Column({ name: 'routing_rule_id', type: 'text', nullable: true })
  routingRuleId!: string | null;

  @Column({ name: 'carrier_id', type: 'text', nullable: true })
  carrierId!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** How it finally reached the subscriber: sms, or voice (the fallback call). */
  @Column({ type: 'text', default: 'sms' })
  channel!: 'sms' | 'voice';

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** Our error code (libs/domain error taxonomy) when the message failed. */
  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode!: string | null;

  /** The carrier's own code for the failure, e.g. "UNDELIV err:001". */
  @Column({ name: 'carrier_error_code', type: 'text', nullable: true })
  carrierErrorCode!: string | null;

  @Column({ name: 'status_callback_url', type: 'text', nullable: true })
  statusCallbackUrl!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the request, so a reused Idempotency-Key with a different request is refused. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** Where it came from: the REST API or a customer's SMPP bind. */
  @Column({ type: 'text', default: 'api' })
  source!: 'api' | 'smpp';

  /** The SMPP system_id that submitted it: its receipt goes back to that ESME's binds. */
  @Column({ name: 'smpp_system_id', type: 'text', nullable: true })
  smppSystemId!: string | null;

  /** SMPP registered_delivery as submitted: bits 0-1 say when a receipt is wanted (1 final, 2 on failure). */
  @Column({ name: 'registered_delivery', type: 'smallint', default: 0 })
  registeredDelivery!: number;

  /** Scheduled delivery (SMPP schedule_delivery_time): not submitted before this. */
  @Column({ name: 'send_at', type: 'timestamptz', nullable: true })
  sendAt!: Date | null;

  /** 'workflow': its own sendMessage workflow; 'batch': sent in pages by sendBatch (bulk SMPP). */
  @Column({ type: 'text', default: 'workflow' })
  delivery!: 'workflow' | 'batch';

  /** The page (workflow batch-<id>) that claimed a 'batch' message. */
  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId!: string | null;

  /** Why it goes to a subscriber even if opted out (a keyword's confirmation: 'keyword_confirmation'); null: the opt-out check applies. */
  @Column({ name: 'opt_out_exempt', type: 'text', nullable: true })
  optOutExempt!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
