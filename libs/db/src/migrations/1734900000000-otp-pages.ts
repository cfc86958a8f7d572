import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OTP past OTP_WORKFLOWS_PER_SECOND (0 by default: every OTP) ride pages (README, "Which shape carries a message"), and
 * a page takes them before any other waiting message, even past the dispatcher's cap on paged
 * messages not yet handed to a carrier. This partial index holds only OTP waiting for a page, so
 * finding them costs nothing when there are none and every other message writes no entry.
 */
export class OtpPages1734900000000 implements MigrationInterface {
  name = 'OtpPages1734900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_otp_awaiting_page ON messages (created_at) WHERE awaiting_page AND priority = 'otp'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_otp_awaiting_page`);
  }
}
