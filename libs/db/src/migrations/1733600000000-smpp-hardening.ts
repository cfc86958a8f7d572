import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMPP gateway under abuse, and interop:
 * - per-account SMPP ceilings set by operators (`smpp_account_limits`; no row: the defaults);
 * - bound sessions of every gateway replica (`smpp_sessions`, kept alive by a heartbeat), so
 *   max_binds per credential and per account hold across replicas;
 * - submit windows (`smpp_rate_windows`): each replica leases tokens of the current second per
 *   account and per credential, so throughput limits hold across replicas;
 * - failed binds per source IP and per system_id (`smpp_bind_failures`) for back-off and lockout;
 * - credentials get a default country (TON 2 and national TON 0 numbers) and the alphabet
 *   data_coding 0 is read in;
 * - any change to a credential or an account's ceilings is announced on channel
 *   `smpp_credentials` (a trigger, so no writer can forget it);
 * - the `smpp` API key scope: keys that could manage SMPP credentials before (scope messages)
 *   keep that right.
 */
export class SmppHardening1733600000000 implements MigrationInterface {
  name = 'SmppHardening1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE smpp_account_limits (
      account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
      max_throughput_per_second int NOT NULL CHECK (max_throughput_per_second > 0),
      max_binds int NOT NULL CHECK (max_binds > 0),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE smpp_sessions (
      id uuid PRIMARY KEY,
      gateway_id uuid NOT NULL,
      system_id text NOT NULL,
      account_id uuid NOT NULL,
      remote_address text NOT NULL,
      bound_at timestamptz NOT NULL DEFAULT now(),
      seen_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX smpp_sessions_account ON smpp_sessions (account_id)`);
    await q.query(`CREATE INDEX smpp_sessions_gateway ON smpp_sessions (gateway_id)`);
    await q.query(`CREATE TABLE smpp_rate_windows (
      key text PRIMARY KEY,
      window_start timestamptz NOT NULL,
      used int NOT NULL)`);
    await q.query(`CREATE TABLE smpp_bind_failures (
      key text PRIMARY KEY,
      failures int NOT NULL,
      first_at timestamptz NOT NULL,
      locked_until timestamptz)`);
    await q.query(`ALTER TABLE smpp_credentials
      ADD COLUMN default_country text,
      ADD COLUMN default_alphabet text NOT NULL DEFAULT 'gsm' CHECK (default_alphabet IN ('gsm', 'ascii', 'latin1'))`);
    await q.query(`CREATE FUNCTION smpp_credentials_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'smpp_account_limits' THEN
          PERFORM pg_notify('smpp_credentials', json_build_object('accountId', COALESCE(NEW.account_id, OLD.account_id))::text);
        ELSE
          PERFORM pg_notify('smpp_credentials', json_build_object('systemId', COALESCE(NEW.system_id, OLD.system_id), 'accountId', COALESCE(NEW.account_id, OLD.account_id))::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER smpp_credentials_changed AFTER UPDATE OR DELETE ON smpp_credentials FOR EACH ROW EXECUTE FUNCTION smpp_credentials_notify()`);
    await q.query(`CREATE TRIGGER smpp_account_limits_changed AFTER INSERT OR UPDATE OR DELETE ON smpp_account_limits FOR EACH ROW EXECUTE FUNCTION smpp_credentials_notify()`);
    await q.query(`UPDATE api_keys SET scopes = array_append(scopes, 'smpp') WHERE 'messages' = ANY(scopes) AND NOT ('smpp' = ANY(scopes))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_keys SET scopes = array_remove(scopes, 'smpp')`);
    await q.query(`DROP TRIGGER IF EXISTS smpp_account_limits_changed ON smpp_account_limits`);
    await q.query(`DROP TRIGGER IF EXISTS smpp_credentials_changed ON smpp_credentials`);
    await q.query(`DROP FUNCTION IF EXISTS smpp_credentials_notify()`);
    await q.query(`ALTER TABLE smpp_credentials DROP COLUMN default_country, DROP COLUMN default_alphabet`);
    for (const table of ['smpp_bind_failures', 'smpp_rate_windows', 'smpp_sessions', 'smpp_account_limits']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
