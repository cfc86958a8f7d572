import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Opt-out and consent kept as evidence, keyword rules and auto-replies (two-way messaging):
 * - `opt_out_events` and `consent_events` say who (account, phone, `sender`: null for the whole
 *   account), when, how (`source`: keyword, api, import, campaign_reply, operator) and from which
 *   inbound message (`inbound_message_id`, unique: a retried keyword step records once). Both are
 *   append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. The campaign upload's
 *   `campaign:<id>` sources become `import` with the campaign id in its own column.
 * - `accounts.compliance_settings`: opt-out scope, exempt categories, help text, keyword locales
 *   and the account's own keywords and confirmations (libs/domain/src/keywords.ts reads it).
 * - `messages.opt_out_exempt`: why a message goes to a subscriber even if opted out (a keyword's
 *   confirmation); the opt-out check records the exemption as an event.
 * - `auto_replies`: per-account keyword → reply rules, applied after the compliance keywords.
 */
export class OptOutCompliance1734100000000 implements MigrationInterface {
  name = 'OptOutCompliance1734100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['opt_out_events', 'consent_events']) {
      await q.query(`ALTER TABLE ${table}
        ADD COLUMN sender text,
        ADD COLUMN inbound_message_id uuid,
        ADD COLUMN keyword text,
        ADD COLUMN campaign_id uuid`);
      await q.query(`CREATE UNIQUE INDEX ${table}_inbound ON ${table} (inbound_message_id) WHERE inbound_message_id IS NOT NULL`);
      await q.query(`CREATE INDEX ${table}_account_time ON ${table} (account_id, created_at, id)`);
    }
    await q.query(`UPDATE consent_events SET campaign_id = substring(source FROM 10)::uuid, source = 'import' WHERE source ~ '^campaign:[0-9a-f-]{36}$'`);
    await q.query(`UPDATE opt_out_events SET source = 'api' WHERE source NOT IN ('keyword', 'api', 'import', 'campaign_reply', 'operator')`);
    await q.query(`UPDATE consent_events SET source = 'api' WHERE source NOT IN ('keyword', 'api', 'import', 'campaign_reply', 'operator')`);
    for (const table of ['opt_out_events', 'consent_events']) {
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_source CHECK (source IN ('keyword', 'api', 'import', 'campaign_reply', 'operator'))`);
    }
    await q.query(`CREATE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: compliance evidence is never changed or removed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['opt_out_events', 'consent_events']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_evidence_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION refuse_evidence_change()`);
    }
    await q.query(`ALTER TABLE accounts ADD COLUMN compliance_settings jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE messages ADD COLUMN opt_out_exempt text`);
    await q.query(`CREATE TABLE auto_replies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      keyword text NOT NULL,
      normalized text NOT NULL,
      match text NOT NULL CHECK (match IN ('exact', 'prefix')),
      locale text,
      reply text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX auto_replies_rule ON auto_replies (account_id, normalized, match, coalesce(locale, ''))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auto_replies`);
    await q.query(`ALTER TABLE messages DROP COLUMN opt_out_exempt`);
    await q.query(`ALTER TABLE accounts DROP COLUMN compliance_settings`);
    for (const table of ['opt_out_events', 'consent_events']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_source`);
      await q.query(`DROP INDEX ${table}_account_time`);
      await q.query(`DROP INDEX ${table}_inbound`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN campaign_id, DROP COLUMN keyword, DROP COLUMN inbound_message_id, DROP COLUMN sender`);
    }
    await q.query(`DROP FUNCTION refuse_evidence_change()`);
  }
}
