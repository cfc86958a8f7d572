import { MigrationInterface, QueryRunner } from 'typeorm';

/** How a message finally reached the subscriber: sms, or voice (the fallback call). */
export class MessageChannel1732900000000 implements MigrationInterface {
  name = 'MessageChannel1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN channel text NOT NULL DEFAULT 'sms'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN channel`);
  }
}
