import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CarrierBindState = 'bound' | 'connecting' | 'down' | 'closed';

/** A carrier the worker connects to, with the live bind state the worker reports. */
@Entity({ name: 'carriers' })
export class CarrierEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'connector_type', type: 'text' })
  connectorType!: 'smpp';

  @Column({ type: 'text' })
  host!: string;

  @Column({ type: 'int' })
  port!: number;

  @Column({ name: 'system_id', type: 'text' })
  systemId!: string;

  @Column({ type: 'int' })
  priority!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'bind_state', type: 'text', default: 'closed' })
  bindState!: CarrierBindState;

  @Column({ name: 'bind_state_at', type: 'timestamptz', nullable: true })
  bindStateAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
