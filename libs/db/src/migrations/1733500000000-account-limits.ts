import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limits, quotas and fraud rules (README, "Limits, quotas and fraud rules"):
 * - `accounts.limits`: the settings an operator gave the account (jsonb; a missing setting is
 *   the default, so defaults can change without touching rows);
 * - `rate_limits`: rate-limiter-flexible's PostgreSQL store (its own columns), where every API
 *   replica counts REST requests per key, per account and failed authentications per IP;
 * - `usage_counters`: fixed-window counters a message adds one to (daily quota, messages per
 *   destination number and per number block), all of one message in one statement.
 */
export class AccountLimits1733500000000 implements MigrationInterface {
  name = 'AccountLimits1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN limits jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`CREATE TABLE rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    await q.query(`CREATE TABLE usage_counters (key text PRIMARY KEY, count integer NOT NULL, expires_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX usage_counters_expires_at ON usage_counters (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_counters`);
    await q.query(`DROP TABLE rate_limits`);
    await q.query(`ALTER TABLE accounts DROP COLUMN limits`);
  }
}
