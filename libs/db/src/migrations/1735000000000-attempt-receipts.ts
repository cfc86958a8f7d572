import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A paged attempt's row is its timeline (message-timeline.ts): its `submitted` event is read
 * from the row's submitted_at and carrier message id, and, once a receipt delivered it, its
 * `receipt` and `delivered` events from `completed_at` and the receipt that decided it, kept
 * here. The bulk path writes no event rows for those three.
 */
export class AttemptReceipts1735000000000 implements MigrationInterface {
  name = 'AttemptReceipts1735000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message_attempts ADD COLUMN receipt jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message_attempts DROP COLUMN receipt`);
  }
}
