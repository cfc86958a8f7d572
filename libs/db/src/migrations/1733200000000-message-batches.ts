import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk delivery: messages from high-rate SMPP binds are sent in pages by one `sendBatch`
 * workflow per page instead of one workflow each. `delivery` says which path a message takes;
 * `batch_id` is the page (and workflow `batch-<id>`) that claimed it. Parts of a concatenated
 * message record their own receipt state, so a page can tell when every part is delivered.
 */
export class MessageBatches1733200000000 implements MigrationInterface {
  name = 'MessageBatches1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN delivery text NOT NULL DEFAULT 'workflow', ADD COLUMN batch_id uuid`);
    await q.query(`CREATE INDEX messages_batch_pending ON messages (created_at) WHERE delivery = 'batch' AND status = 'accepted'`);
    await q.query(`CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL`);
    await q.query(`ALTER TABLE message_parts ADD COLUMN receipt_state text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message_parts DROP COLUMN receipt_state`);
    await q.query(`DROP INDEX messages_batch`);
    await q.query(`DROP INDEX messages_batch_pending`);
    await q.query(`ALTER TABLE messages DROP COLUMN delivery, DROP COLUMN batch_id`);
  }
}
