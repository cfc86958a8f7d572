import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identities beside API keys.
 * - `oauth_clients`: OAuth2 client-credentials clients of an account (machine clients): the
 *   client secret is stored as a SHA-256 hash (high-entropy, like API keys); scopes and client
 *   addresses as keys have them. Changes are announced on the `api_keys` channel like keys'.
 * - `operators`: people who run the platform; they sign in with a password (scrypt) and a TOTP
 *   code (the secret sealed with SECRETS_KEY) or a single-use recovery code (hashes), for a
 *   short-lived operator token. `last_totp_step`: the time step of the last code accepted, so a
 *   code cannot be used twice.
 */
export class OAuthClientsAndOperators1734070000000 implements MigrationInterface {
  name = 'OAuthClientsAndOperators1734070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE oauth_clients (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      name text NOT NULL,
      secret_hash text NOT NULL,
      scopes text[] NOT NULL,
      allowed_ips text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz)`);
    await q.query(`CREATE INDEX oauth_clients_account ON oauth_clients (account_id, created_at)`);
    await q.query(`CREATE TRIGGER oauth_clients_changed AFTER UPDATE OR DELETE ON oauth_clients FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);

    await q.query(`CREATE TABLE operators (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      email text NOT NULL,
      password_hash text NOT NULL,
      totp_secret_sealed text,
      totp_enabled_at timestamptz,
      recovery_code_hashes text[] NOT NULL DEFAULT '{}',
      last_totp_step bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_sign_in_at timestamptz,
      disabled_at timestamptz)`);
    await q.query(`CREATE UNIQUE INDEX operators_email ON operators (lower(email))`);
    await q.query(`CREATE TRIGGER operators_changed AFTER UPDATE OF disabled_at, totp_enabled_at, password_hash OR DELETE ON operators FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS operators`);
    await q.query(`DROP TABLE IF EXISTS oauth_clients`);
  }
}
