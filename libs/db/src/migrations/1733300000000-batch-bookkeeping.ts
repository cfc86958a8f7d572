import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bookkeeping of bulk pages that stays cheap however many messages the tables hold:
 * - the batch dispatcher starts a page only while few claimed messages wait for their first
 *   submit (it counts them on every check);
 * - a page counts its attempts still awaiting a receipt (and the receipt router does, to signal
 *   it): attempts record their page, and a partial index holds only those outstanding, so the
 *   count reads a page's few rows instead of joining every attempt ever made.
 */
export class BatchBookkeeping1733300000000 implements MigrationInterface {
  name = 'BatchBookkeeping1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_batch_unsubmitted ON messages (batch_id) WHERE delivery = 'batch' AND status = 'queued' AND attempts = 0`);
    await q.query(`ALTER TABLE message_attempts ADD COLUMN batch_id uuid`);
    await q.query(`CREATE INDEX message_attempts_batch_outstanding ON message_attempts (batch_id, attempt) WHERE status = 'submitted' AND batch_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX message_attempts_batch_outstanding`);
    await q.query(`ALTER TABLE message_attempts DROP COLUMN batch_id`);
    await q.query(`DROP INDEX messages_batch_unsubmitted`);
  }
}
