import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Announces every change to an API key or to its account's settings (revocation, scopes,
 * limits, smart encoding) on the `api_keys` channel, so the API replicas drop what they cached
 * of that account's keys at once (apps/api/src/auth/api-key-cache.ts).
 */
export class ApiKeyChanges1734050000000 implements MigrationInterface {
  name = 'ApiKeyChanges1734050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'accounts' THEN
          PERFORM pg_notify('api_keys', COALESCE(NEW.id, OLD.id)::text);
        ELSE
          PERFORM pg_notify('api_keys', COALESCE(NEW.account_id, OLD.account_id)::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);
    await q.query(`CREATE TRIGGER accounts_changed AFTER UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS accounts_changed ON accounts`);
    await q.query(`DROP TRIGGER IF EXISTS api_keys_changed ON api_keys`);
    await q.query(`DROP FUNCTION IF EXISTS api_keys_notify()`);
  }
}
