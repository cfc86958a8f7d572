import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys managed through the API: an optional expiry (also what a rotation's overlap window
 * sets on the old key), the time of last use, the client addresses (CIDR) a key may be used
 * from, the key a rotation replaced. Every change to a key or to its account's settings
 * (revocation, scopes, expiry, addresses, limits) is announced on the `api_keys` channel, so the
 * API replicas drop what they cached of that account's keys at once
 * (apps/api/src/auth/api-key-cache.ts); the last-use time is not a change worth announcing.
 *
 * The audit log: one append-only row per control-plane change (who, when, from which address,
 * before and after, secrets masked by the writer); UPDATE and DELETE are refused by a trigger.
 */
export class ApiKeyLifecycle1734050000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1734050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys
      ADD COLUMN expires_at timestamptz,
      ADD COLUMN last_used_at timestamptz,
      ADD COLUMN allowed_ips text[] NOT NULL DEFAULT '{}',
      ADD COLUMN rotated_from uuid REFERENCES api_keys(id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX api_keys_account ON api_keys (account_id, created_at)`);
    await q.query(`CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'accounts' THEN
          PERFORM pg_notify('api_keys', COALESCE(NEW.id, OLD.id)::text);
        ELSE
          PERFORM pg_notify('api_keys', COALESCE(NEW.account_id, OLD.account_id)::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER api_keys_changed AFTER UPDATE OF revoked_at, scopes, expires_at, allowed_ips, key_hash, account_id OR DELETE ON api_keys
      FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);
    await q.query(`CREATE TRIGGER accounts_changed AFTER UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);

    await q.query(`CREATE TABLE audit_events (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      account_id uuid,
      actor_key_id uuid,
      actor_ip text,
      action text NOT NULL,
      target_type text NOT NULL,
      target_id text,
      before jsonb,
      after jsonb)`);
    await q.query(`CREATE INDEX audit_events_account ON audit_events (account_id, id)`);
    await q.query(`CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END $$`);
    await q.query(`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_events`);
    await q.query(`DROP FUNCTION IF EXISTS audit_events_append_only()`);
    await q.query(`DROP TRIGGER IF EXISTS accounts_changed ON accounts`);
    await q.query(`DROP TRIGGER IF EXISTS api_keys_changed ON api_keys`);
    await q.query(`DROP FUNCTION IF EXISTS api_keys_notify()`);
    await q.query(`DROP INDEX IF EXISTS api_keys_account`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN rotated_from, DROP COLUMN allowed_ips, DROP COLUMN last_used_at, DROP COLUMN expires_at`);
  }
}
