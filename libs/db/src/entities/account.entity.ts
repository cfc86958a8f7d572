import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Replace look-alike Unicode (curly quotes, dashes…) with GSM-7 characters to save segments. */
  @Column({ name: 'smart_encoding', type: 'boolean', default: false })
  smartEncoding!: boolean;

  /** Limits an operator set (README, "Limits, quotas and fraud rules"); a missing one is the default. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  limits!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
