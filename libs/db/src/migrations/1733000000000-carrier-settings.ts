import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Carriers as data: connection settings (jsonb, no secrets), credentials sealed with
 * SECRETS_KEY, and who manages the carrier ('config': CARRIERS; 'api': operators).
 */
export class CarrierSettings1733000000000 implements MigrationInterface {
  name = 'CarrierSettings1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE carriers ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb, ADD COLUMN credentials text, ADD COLUMN source text NOT NULL DEFAULT 'config'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE carriers DROP COLUMN settings, DROP COLUMN credentials, DROP COLUMN source`);
  }
}
