import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One delivery engine for both shapes of a message:
 * - an attempt records whether its carrier sends receipts for the first part only, so a page
 *   decides a multipart attempt as the message's own workflow does;
 * - accept at commit: a message that gets a workflow of its own is accepted with a row in
 *   `workflow_starts` in the same transaction, and the worker's dispatcher starts the workflow
 *   from it (Temporal being slow or down delays the start, never the accept);
 * - a page is written with its messages in one transaction and started from `page_starts`;
 * - status callbacks: each status change of a message with a `status_callback_url` writes a row
 *   to the `status_callbacks` outbox in the transaction that made the change (both shapes), and
 *   the worker POSTs them (`callback_sequence` numbers them per message);
 * - a carrier's maxTps holds across worker replicas: each submit to a limited carrier reserves
 *   its slot in `carrier_pacing` (the next free moment on that carrier).
 */
export class DeliveryEngine1733400000000 implements MigrationInterface {
  name = 'DeliveryEngine1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message_attempts ADD COLUMN receipts_first_part_only boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE TABLE workflow_starts (
      message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      account_id uuid NOT NULL,
      priority text NOT NULL,
      rank smallint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      not_before timestamptz NOT NULL DEFAULT now(),
      tries int NOT NULL DEFAULT 0)`);
    // OTP starts first, whatever backlog of other messages waits (rank: 1 OTP, 3 transactional, 5 marketing).
    await q.query(`CREATE INDEX workflow_starts_due ON workflow_starts (rank, not_before)`);
    await q.query(`CREATE TABLE page_starts (
      batch_id uuid PRIMARY KEY,
      size int NOT NULL,
      account_ids uuid[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      not_before timestamptz NOT NULL DEFAULT now(),
      tries int NOT NULL DEFAULT 0)`);
    await q.query(`ALTER TABLE messages ADD COLUMN callback_sequence int NOT NULL DEFAULT 0`);
    // Most bulk traffic has no callback URL: each status change looks its page up in this small index, not in the table.
    await q.query(`CREATE INDEX messages_with_callback ON messages (id) WHERE status_callback_url IS NOT NULL`);
    await q.query(`CREATE TABLE status_callbacks (
      id bigserial PRIMARY KEY,
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      account_id uuid NOT NULL,
      url text NOT NULL,
      status text NOT NULL,
      payload jsonb NOT NULL,
      tries int NOT NULL DEFAULT 0,
      next_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      done_at timestamptz,
      last_error text)`);
    await q.query(`CREATE INDEX status_callbacks_due ON status_callbacks (next_at) WHERE done_at IS NULL`);
    await q.query(`CREATE TABLE carrier_pacing (carrier_id text PRIMARY KEY, next_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE carrier_pacing`);
    await q.query(`DROP TABLE status_callbacks`);
    await q.query(`ALTER TABLE messages DROP COLUMN callback_sequence`);
    await q.query(`DROP TABLE page_starts`);
    await q.query(`DROP TABLE workflow_starts`);
    await q.query(`ALTER TABLE message_attempts DROP COLUMN receipts_first_part_only`);
  }
}
