import { MigrationInterface, QueryRunner } from 'typeorm';

/** A failed message keeps our error code and the carrier's raw code (see the error taxonomy). */
export class MessageErrorCodes1732600000000 implements MigrationInterface {
  name = 'MessageErrorCodes1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN failure_code text, ADD COLUMN carrier_error_code text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN failure_code, DROP COLUMN carrier_error_code`);
  }
}
