import type { MessageEventType } from '@app/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One state change of a message: the timeline GET /v1/messages/:id returns. */
@Entity({ name: 'message_events' })
export class MessageEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  @Column({ type: 'text' })
  type!: MessageEventType;

  @Column({ name: 'carrier_id', type: 'text', nullable: true })
  carrierId!: string | null;

  @Column({ type: 'int', nullable: true })
  attempt!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  detail!: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
