import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows that are events (message-timeline.ts), so the bulk path writes no event row for them:
 * - `messages.queued_at`: when the message joined its page, set by the statement that groups
 *   the page; with `batch_id`, the message's `queued` event;
 * - `message_attempts.receipt`: the receipt that delivered a paged attempt; with the attempt's
 *   `submitted_at` and `completed_at`, its `submitted`, `receipt` and `delivered` events.
 */
export class EventsFromRows1735000000000 implements MigrationInterface {
  name = 'EventsFromRows1735000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN queued_at timestamptz`);
    await q.query(`ALTER TABLE message_attempts ADD COLUMN receipt jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message_attempts DROP COLUMN receipt`);
    await q.query(`ALTER TABLE messages DROP COLUMN queued_at`);
  }
}
