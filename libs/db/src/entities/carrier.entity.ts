import type { CarrierKindName } from '@app/carriers';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CarrierBindState = 'bound' | 'connecting' | 'down' | 'closed';
export type CircuitState = 'closed' | 'open' | 'half_open';

/** A carrier the worker connects to, with the live bind state the worker reports. */
@Entity({ name: 'carriers' })
export class CarrierEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The carrier kind (libs/carriers/src/registry.ts). */
  @Column({ name: 'connector_type', type: 'text' })
  connectorType!: CarrierKindName;

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

  /** Connection settings without the kind's secret fields (e.g. host, port, systemId, url, window). */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  settings!: Record<string, unknown>;

  /** The kind's secret fields (password, token), sealed with SECRETS_KEY (libs/db/src/secrets.ts); never returned by the API. */
  @Column({ type: 'text', nullable: true })
  credentials!: string | null;

  /** 'config': defined by CARRIERS (config wins at start); 'api': created by operators. */
  @Column({ type: 'text', default: 'config' })
  source!: 'config' | 'api';

  /** Price per segment by ISO country ('*' = elsewhere), in the account currency. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  costs!: Record<string, number>;

  /** Messages per second the carrier accepts (null = no limit set). */
  @Column({ name: 'max_tps', type: 'int', nullable: true })
  maxTps!: number | null;

  @Column({ name: 'bind_window', type: 'int', default: 10 })
  bindWindow!: number;

  /** Circuit breaker: closed (healthy), open (skipped by routing), half_open (probed). */
  @Column({ name: 'circuit_state', type: 'text', default: 'closed' })
  circuitState!: CircuitState;

  @Column({ name: 'circuit_changed_at', type: 'timestamptz' })
  circuitChangedAt!: Date;

  @Column({ name: 'circuit_reason', type: 'text', nullable: true })
  circuitReason!: string | null;

  @Column({ name: 'bind_state', type: 'text', default: 'closed' })
  bindState!: CarrierBindState;

  @Column({ name: 'bind_state_at', type: 'timestamptz', nullable: true })
  bindStateAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
