import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A message's status changes in place (issue 9: PostgreSQL's cost per message).
 *
 * PostgreSQL can update a row without touching its indexes (a heap-only, "HOT", update) when
 * no indexed column changes value and the new version fits on the row's page. `status` and
 * `attempts` sat in four index definitions, so the submit and the receipt of every message
 * wrote a new entry into each of the table's thirteen indexes. Now:
 * - `awaiting_page` (generated from delivery, status and batch id) says a bulk message waits
 *   for a page. The page claim and a campaign's backlog read it through partial indexes; it
 *   stays false from the claim on, so later status changes leave those indexes alone.
 * - The batch dispatcher's "claimed, not yet handed to a carrier" count is kept per page in
 *   `page_starts.unsubmitted` (a page's intent stays until its first attempt is done) instead of
 *   an index on status and attempts.
 * - `messages_status_created` goes: no query reads messages by status across accounts.
 * - `messages` and `smpp_deliveries` leave room on each page for the new versions of their rows
 *   (fillfactor, for pages written from now on). With 20 % free on `messages` about half of the
 *   submit and receipt updates stayed in place in `npm run bench -- smpp-ingress --pg-profile`;
 *   with 30 %, three in four (40 %: nine in ten, at a third more disk).
 * Adding the generated column rewrites `messages` once.
 */
export class InPlaceStatusUpdates1734800000000 implements MigrationInterface {
  name = 'InPlaceStatusUpdates1734800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN awaiting_page boolean NOT NULL
      GENERATED ALWAYS AS (delivery = 'batch' AND status = 'accepted' AND batch_id IS NULL) STORED`);
    await q.query(`DROP INDEX messages_batch_pending`);
    await q.query(`DROP INDEX messages_campaign_unpaged`);
    await q.query(`DROP INDEX messages_batch_unsubmitted`);
    await q.query(`DROP INDEX messages_status_created`);
    await q.query(`CREATE INDEX messages_awaiting_page ON messages (created_at) WHERE awaiting_page`);
    await q.query(`CREATE INDEX messages_campaign_awaiting_page ON messages (campaign_id) WHERE campaign_id IS NOT NULL AND awaiting_page`);
    await q.query(`ALTER TABLE page_starts ADD COLUMN unsubmitted int NOT NULL DEFAULT 0`);
    await q.query(`UPDATE page_starts SET unsubmitted = size`);
    await q.query(`ALTER TABLE messages SET (fillfactor = 70)`);
    await q.query(`ALTER TABLE smpp_deliveries SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE smpp_deliveries RESET (fillfactor)`);
    await q.query(`ALTER TABLE messages RESET (fillfactor)`);
    await q.query(`ALTER TABLE page_starts DROP COLUMN unsubmitted`);
    await q.query(`DROP INDEX messages_campaign_awaiting_page`);
    await q.query(`DROP INDEX messages_awaiting_page`);
    await q.query(`ALTER TABLE messages DROP COLUMN awaiting_page`);
    await q.query(`CREATE INDEX messages_status_created ON messages (status, created_at)`);
    await q.query(`CREATE INDEX messages_batch_unsubmitted ON messages (batch_id) WHERE delivery = 'batch' AND status = 'queued' AND attempts = 0`);
    await q.query(`CREATE INDEX messages_campaign_unpaged ON messages (campaign_id) WHERE campaign_id IS NOT NULL AND status = 'accepted' AND batch_id IS NULL`);
    await q.query(`CREATE INDEX messages_batch_pending ON messages (created_at) WHERE delivery = 'batch' AND status = 'accepted'`);
  }
}
