import { MigrationInterface, QueryRunner } from 'typeorm';

/** Circuit breaker state per carrier, the destination country per message, and an index for health windows. */
export class CarrierHealth1732800000000 implements MigrationInterface {
  name = 'CarrierHealth1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE carriers ADD COLUMN circuit_state text NOT NULL DEFAULT 'closed', ADD COLUMN circuit_changed_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN circuit_reason text`);
    await q.query(`ALTER TABLE messages ADD COLUMN country text`);
    await q.query(`CREATE INDEX message_attempts_started ON message_attempts (started_at, carrier_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX message_attempts_started`);
    await q.query(`ALTER TABLE messages DROP COLUMN country`);
    await q.query(`ALTER TABLE carriers DROP COLUMN circuit_state, DROP COLUMN circuit_changed_at, DROP COLUMN circuit_reason`);
  }
}
