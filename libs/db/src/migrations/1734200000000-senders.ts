import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Numbers and sender IDs as data (issue 11, item 1):
 * - `account_numbers` gains its kind (long or short code), country, carrier and capabilities;
 *   numbers held before get long_code, sms and inbound (they could send from them before);
 * - `sender_ids` (alphanumeric, per account, matched without regard to case by `sender_key`)
 *   and `sender_id_registrations` (status per country);
 * - `sender_pools` of numbers an account holds, and `sender_pool_assignments`: the number each
 *   subscriber gets from a pool (sticky sender);
 * - `campaigns.sender_pool_name`: a campaign sending from one of those pools;
 * - a trigger NOTIFYs `account_senders` with the account id on any change, so every API and
 *   gateway replica drops its cached copy of what that account holds.
 */
export class Senders1734200000000 implements MigrationInterface {
  name = 'Senders1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_numbers
      ADD COLUMN kind text NOT NULL DEFAULT 'long_code' CHECK (kind IN ('long_code', 'short_code')),
      ADD COLUMN country text,
      ADD COLUMN carrier_id text REFERENCES carriers(id) ON DELETE SET NULL,
      ADD COLUMN capabilities text[] NOT NULL DEFAULT '{sms,inbound}'`);
    await q.query(`CREATE INDEX account_numbers_account ON account_numbers (account_id)`);
    await q.query(`CREATE TABLE sender_ids (
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      sender_key text NOT NULL,
      sender_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (account_id, sender_key))`);
    await q.query(`CREATE TABLE sender_id_registrations (
      account_id uuid NOT NULL,
      sender_key text NOT NULL,
      country text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      note text,
      requested_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (account_id, sender_key, country),
      FOREIGN KEY (account_id, sender_key) REFERENCES sender_ids (account_id, sender_key) ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE sender_pools (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (account_id, name))`);
    await q.query(`CREATE TABLE sender_pool_numbers (
      pool_id uuid NOT NULL REFERENCES sender_pools(id) ON DELETE CASCADE,
      number text NOT NULL REFERENCES account_numbers(number) ON DELETE CASCADE,
      PRIMARY KEY (pool_id, number))`);
    await q.query(`CREATE TABLE sender_pool_assignments (
      pool_id uuid NOT NULL REFERENCES sender_pools(id) ON DELETE CASCADE,
      subscriber text NOT NULL,
      number text NOT NULL,
      assigned_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (pool_id, subscriber))`);
    // A campaign may send from a named sender pool of its account (sticky per recipient).
    await q.query(`ALTER TABLE campaigns ADD COLUMN sender_pool_name text`);
    await q.query(`CREATE FUNCTION notify_account_senders() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        account uuid;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF TG_TABLE_NAME = 'sender_pool_numbers' THEN
            SELECT account_id INTO account FROM sender_pools WHERE id = OLD.pool_id;
          ELSE
            account := OLD.account_id;
          END IF;
        ELSIF TG_TABLE_NAME = 'sender_pool_numbers' THEN
          SELECT account_id INTO account FROM sender_pools WHERE id = NEW.pool_id;
        ELSE
          account := NEW.account_id;
          IF TG_OP = 'UPDATE' THEN
            IF OLD.account_id IS DISTINCT FROM NEW.account_id THEN
              PERFORM pg_notify('account_senders', OLD.account_id::text);
            END IF;
          END IF;
        END IF;
        IF account IS NOT NULL THEN
          PERFORM pg_notify('account_senders', account::text);
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['account_numbers', 'sender_ids', 'sender_id_registrations', 'sender_pools', 'sender_pool_numbers']) {
      await q.query(`CREATE TRIGGER ${table}_notify AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION notify_account_senders()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['account_numbers', 'sender_ids', 'sender_id_registrations', 'sender_pools', 'sender_pool_numbers']) {
      await q.query(`DROP TRIGGER IF EXISTS ${table}_notify ON ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS notify_account_senders()`);
    for (const table of ['sender_pool_assignments', 'sender_pool_numbers', 'sender_pools', 'sender_id_registrations', 'sender_ids']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`ALTER TABLE campaigns DROP COLUMN IF EXISTS sender_pool_name`);
    await q.query(`DROP INDEX IF EXISTS account_numbers_account`);
    await q.query(`ALTER TABLE account_numbers DROP COLUMN capabilities, DROP COLUMN carrier_id, DROP COLUMN country, DROP COLUMN kind`);
  }
}
