import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verify (issue 13):
 * - `verifications`: one row per verification; the code only as a keyed digest with its salt.
 *   The texts carrying the code are ordinary messages (`message_ids`), sent by the verification's
 *   workflow; `carrier_id` and `country` of a finished verification are its conversion record.
 * - `verify_settings`: an account's own verification settings over the defaults
 *   (libs/domain/src/verify.ts).
 */
export class Verifications1734400000000 implements MigrationInterface {
  name = 'Verifications1734400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE verifications (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      to_number text NOT NULL,
      prefix text NOT NULL,
      country text,
      channel text NOT NULL CHECK (channel IN ('sms', 'voice')),
      locale text NOT NULL,
      code_length int NOT NULL,
      template text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'expired', 'max_attempts', 'cancelled')),
      code_salt text NOT NULL,
      code_digest text,
      checks int NOT NULL DEFAULT 0,
      sends int NOT NULL DEFAULT 0,
      message_ids uuid[] NOT NULL DEFAULT '{}',
      carrier_id text,
      expires_at timestamptz NOT NULL,
      approved_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX verifications_pending ON verifications (account_id, to_number) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX verifications_prefix ON verifications (account_id, prefix, created_at)`);
    await q.query(`CREATE INDEX verifications_conversion ON verifications (created_at) WHERE carrier_id IS NOT NULL`);
    await q.query(`CREATE TABLE verify_settings (
      account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
      settings jsonb NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE verify_settings`);
    await q.query(`DROP TABLE verifications`);
  }
}
