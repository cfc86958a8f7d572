import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Encryption at rest (libs/db/src/data-keyring.ts): `data_keys` holds the data keys that seal
 * bodies and receipt texts, each wrapped by a key-encryption key (KEK) whose id is kept beside it.
 * Rotating the KEK re-wraps these rows only (`npm run keys:rewrap`); the sealed rows never change.
 */
export class DataKeys1734500000000 implements MigrationInterface {
  name = 'DataKeys1734500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE data_keys (
      id text PRIMARY KEY,
      kek_id text NOT NULL,
      wrapped bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      rewrapped_at timestamptz)`);
    await q.query(`CREATE INDEX data_keys_kek ON data_keys (kek_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE data_keys`);
  }
}
