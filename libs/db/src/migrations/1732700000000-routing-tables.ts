import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing as data: every change to the rule set is a new version (rules are stored as JSON
 * documents validated by libs/domain routing); exactly one version is active. Carriers get
 * prices per country and limits. API keys get scopes (operators manage carriers and routes).
 * Messages record the version and rule that routed them.
 */
export class RoutingTables1732700000000 implements MigrationInterface {
  name = 'RoutingTables1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE routing_versions (
      version int PRIMARY KEY,
      comment text,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      active boolean NOT NULL DEFAULT false)`);
    await q.query(`CREATE UNIQUE INDEX routing_versions_one_active ON routing_versions (active) WHERE active`);
    await q.query(`CREATE TABLE routing_rules (
      version int NOT NULL REFERENCES routing_versions(version) ON DELETE CASCADE,
      position int NOT NULL,
      rule_id text NOT NULL,
      definition jsonb NOT NULL,
      PRIMARY KEY (version, position),
      UNIQUE (version, rule_id))`);
    await q.query(`ALTER TABLE carriers
      ADD COLUMN costs jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD COLUMN max_tps int,
      ADD COLUMN bind_window int NOT NULL DEFAULT 10`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{messages}'`);
    await q.query(`ALTER TABLE messages ADD COLUMN routing_version int, ADD COLUMN routing_rule_id text, ADD COLUMN priority text NOT NULL DEFAULT 'transactional'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN routing_version, DROP COLUMN routing_rule_id, DROP COLUMN priority`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN scopes`);
    await q.query(`ALTER TABLE carriers DROP COLUMN costs, DROP COLUMN max_tps, DROP COLUMN bind_window`);
    await q.query(`DROP TABLE routing_rules`);
    await q.query(`DROP TABLE routing_versions`);
  }
}
