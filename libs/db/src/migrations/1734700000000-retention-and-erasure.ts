import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention and erasure (issue 14, item 3):
 * - `accounts.body_retention` (30 days) and `accounts.metadata_retention` (365 days): after the
 *   first, message and inbound bodies (and the copies in receipts' raw text, webhook and SMPP
 *   outbox payloads) are redacted; after the second, the per-message rows are deleted. The
 *   scheduled `applyRetention` workflow applies them in bounded batches. Intervals, so a test
 *   can use seconds; the API speaks whole days.
 * - `redacted_at` on messages, inbound messages and receipts: what was redacted, and a partial
 *   index so each pass reads only rows not yet redacted.
 * - `erasures`: the tombstone of each erasure of a phone number (GDPR): which account, a keyed
 *   hash of the number, who asked and when, when it was done. `pending_phone` holds the number
 *   only while the `eraseSubject` workflow runs (its history never carries it) and is cleared
 *   at the end.
 * - Opt-out and consent evidence stays append-only, with one exception: the erasure may replace
 *   the phone of a row by `erased:<hash>` (nothing else), inside a transaction that declared it.
 * - Indexes for erasure lookups by number and for retention scans by time.
 */
export class RetentionAndErasure1734700000000 implements MigrationInterface {
  name = 'RetentionAndErasure1734700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts
      ADD COLUMN body_retention interval NOT NULL DEFAULT interval '30 days',
      ADD COLUMN metadata_retention interval NOT NULL DEFAULT interval '365 days'`);
    for (const table of ['messages', 'inbound_messages', 'carrier_receipts']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN redacted_at timestamptz`);
    }
    await q.query(`CREATE INDEX messages_unredacted ON messages (account_id, created_at) WHERE redacted_at IS NULL`);
    await q.query(`CREATE INDEX messages_account_to ON messages (account_id, to_number)`);
    await q.query(`CREATE INDEX inbound_messages_unredacted ON inbound_messages (received_at) WHERE redacted_at IS NULL`);
    await q.query(`CREATE INDEX inbound_messages_from ON inbound_messages (from_number)`);
    await q.query(`CREATE INDEX carrier_receipts_message ON carrier_receipts (message_id)`);
    await q.query(`CREATE INDEX carrier_receipts_received ON carrier_receipts (received_at)`);
    await q.query(`CREATE INDEX conversations_subscriber ON conversations (subscriber)`);
    await q.query(`CREATE INDEX campaign_recipients_phone ON campaign_recipients (phone)`);
    await q.query(`CREATE INDEX campaigns_finished ON campaigns (account_id, finished_at) WHERE finished_at IS NOT NULL`);
    await q.query(`CREATE INDEX smpp_deliveries_created ON smpp_deliveries (account_id, created_at)`);
    await q.query(`CREATE INDEX status_callbacks_inbound ON status_callbacks (inbound_id) WHERE inbound_id IS NOT NULL`);

    await q.query(`CREATE TABLE erasures (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      phone_hash text NOT NULL,
      requested_by uuid,
      requested_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
      completed_at timestamptz,
      pending_phone text,
      CHECK ((status = 'done') = (pending_phone IS NULL)))`);
    await q.query(`CREATE INDEX erasures_account ON erasures (account_id, requested_at DESC)`);
    await q.query(`CREATE INDEX erasures_phone_hash ON erasures (phone_hash)`);

    await q.query(`CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('sms.erasure', true) = 'on'
           AND NEW.phone LIKE 'erased:%' AND OLD.phone NOT LIKE 'erased:%'
           AND (to_jsonb(NEW) - 'phone') = (to_jsonb(OLD) - 'phone') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '% is append-only: compliance evidence is never changed or removed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: compliance evidence is never changed or removed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`DROP TABLE erasures`);
    for (const index of [
      'status_callbacks_inbound', 'smpp_deliveries_created', 'campaigns_finished', 'campaign_recipients_phone', 'conversations_subscriber',
      'carrier_receipts_received', 'carrier_receipts_message', 'inbound_messages_from', 'inbound_messages_unredacted', 'messages_account_to', 'messages_unredacted',
    ]) {
      await q.query(`DROP INDEX ${index}`);
    }
    for (const table of ['messages', 'inbound_messages', 'carrier_receipts']) await q.query(`ALTER TABLE ${table} DROP COLUMN redacted_at`);
    await q.query(`ALTER TABLE accounts DROP COLUMN body_retention, DROP COLUMN metadata_retention`);
  }
}
