import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns (issue 12):
 * - `campaigns`: what to send, to whom it is sent is `campaign_recipients` (one row per phone
 *   number, unique per campaign: duplicates in an upload are dropped);
 * - a recipient's message is a paged message carrying `campaign_id` and `campaign_recipient_id`,
 *   unique together, so each recipient gets at most one message per campaign whatever is retried;
 *   those no page has taken yet are counted (partial index) so a campaign never floods the queue;
 * - `opt_out_events` and `consent_events`: append-only; the latest event per number decides.
 *   Two-way messaging (STOP/START keywords) appends to them; campaigns read them.
 */
export class Campaigns1734000000000 implements MigrationInterface {
  name = 'Campaigns1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE campaigns (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      name text NOT NULL,
      from_address text,
      sender_pool text[],
      message jsonb NOT NULL,
      category text NOT NULL,
      start_at timestamptz,
      quiet_from text,
      quiet_to text,
      throttle_mps double precision,
      validity_seconds int,
      smart_encoding boolean NOT NULL DEFAULT false,
      transliterate boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'draft',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz)`);
    await q.query(`CREATE INDEX campaigns_by_account ON campaigns (account_id, created_at DESC)`);
    await q.query(`CREATE TABLE campaign_recipients (
      id bigserial PRIMARY KEY,
      campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
      phone text NOT NULL,
      country text,
      locale text,
      variables jsonb NOT NULL DEFAULT '{}'::jsonb,
      state text NOT NULL DEFAULT 'pending',
      not_before timestamptz,
      detail jsonb,
      message_id uuid,
      checked_at timestamptz,
      UNIQUE (campaign_id, phone))`);
    // The workflow's pages read the recipients still waiting, in id order.
    await q.query(`CREATE INDEX campaign_recipients_waiting ON campaign_recipients (campaign_id, id) WHERE state IN ('pending', 'deferred')`);
    await q.query(`ALTER TABLE messages ADD COLUMN campaign_id uuid, ADD COLUMN campaign_recipient_id bigint`);
    await q.query(`CREATE UNIQUE INDEX messages_campaign_recipient ON messages (campaign_id, campaign_recipient_id) WHERE campaign_id IS NOT NULL`);
    // A campaign's messages still waiting for a page: its backpressure (it never floods the paged queue).
    await q.query(`CREATE INDEX messages_campaign_unpaged ON messages (campaign_id) WHERE campaign_id IS NOT NULL AND status = 'accepted' AND batch_id IS NULL`);
    await q.query(`CREATE TABLE opt_out_events (
      id bigserial PRIMARY KEY,
      account_id uuid,
      phone text NOT NULL,
      opted_out boolean NOT NULL,
      source text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX opt_out_events_by_phone ON opt_out_events (phone, id)`);
    await q.query(`CREATE TABLE consent_events (
      id bigserial PRIMARY KEY,
      account_id uuid NOT NULL,
      phone text NOT NULL,
      category text NOT NULL,
      granted boolean NOT NULL,
      source text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX consent_events_by_phone ON consent_events (account_id, phone, category, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_events`);
    await q.query(`DROP TABLE opt_out_events`);
    await q.query(`DROP INDEX messages_campaign_unpaged`);
    await q.query(`DROP INDEX messages_campaign_recipient`);
    await q.query(`ALTER TABLE messages DROP COLUMN campaign_recipient_id, DROP COLUMN campaign_id`);
    await q.query(`DROP TABLE campaign_recipients`);
    await q.query(`DROP TABLE campaigns`);
  }
}
