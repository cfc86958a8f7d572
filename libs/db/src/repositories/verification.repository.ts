// Verifications and an account's verification settings. A send writes the message that carries
// the code (an ordinary messages row, priority otp, with its `accepted` event but no start
// intent: the verification's workflow starts its sendMessage child itself) and the new code
// digest in one transaction. A finished verification keeps the carrier of its latest message:
// conversion per carrier and country (CarrierHealthRepository.conversionByCountry).
import { DataSource } from 'typeorm';
import type { VerificationChannel, VerificationStatus } from '@app/contracts';
import { resolveVerifySettings, VerifySettings } from '@app/domain';
import { keyringOf } from '../data-keyring';

export interface VerificationRow {
  id: string;
  accountId: string;
  to: string;
  prefix: string;
  country: string | null;
  channel: VerificationChannel;
  locale: string;
  codeLength: number;
  template: string | null;
  status: VerificationStatus;
  codeSalt: string;
  codeDigest: string | null;
  checks: number;
  sends: number;
  messageIds: string[];
  carrierId: string | null;
  expiresAt: Date;
  approvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewVerification = Pick<VerificationRow, 'id' | 'accountId' | 'to' | 'prefix' | 'country' | 'channel' | 'locale' | 'codeLength' | 'template' | 'codeSalt' | 'expiresAt'>;

export interface VerificationMessage {
  id: string;
  from: string;
  body: string;
  encoding: string;
  segments: number;
  channel: VerificationChannel;
}

const COLUMNS = `id, account_id, to_number, prefix, country, channel, locale, code_length, template, status, code_salt, code_digest, checks, sends, message_ids, carrier_id, expires_at, approved_at, created_at, updated_at`;

type Raw = Record<string, unknown>;
const toRow = (r: Raw): VerificationRow => ({
  id: r.id as string,
  accountId: r.account_id as string,
  to: r.to_number as string,
  prefix: r.prefix as string,
  country: (r.country as string | null) ?? null,
  channel: r.channel as VerificationChannel,
  locale: r.locale as string,
  codeLength: Number(r.code_length),
  template: (r.template as string | null) ?? null,
  status: r.status as VerificationStatus,
  codeSalt: r.code_salt as string,
  codeDigest: (r.code_digest as string | null) ?? null,
  checks: Number(r.checks),
  sends: Number(r.sends),
  messageIds: (r.message_ids as string[]) ?? [],
  carrierId: (r.carrier_id as string | null) ?? null,
  expiresAt: r.expires_at as Date,
  approvedAt: (r.approved_at as Date | null) ?? null,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

export class VerificationRepository {
  constructor(private readonly db: DataSource) {}

  /** The settings in force for an account. */
  async settings(accountId: string): Promise<VerifySettings> {
    return resolveVerifySettings(await this.ownSettings(accountId));
  }

  /** The account's own settings (those it changed). */
  async ownSettings(accountId: string): Promise<Partial<VerifySettings>> {
    const rows: { settings: Partial<VerifySettings> }[] = await this.db.query(`SELECT settings FROM verify_settings WHERE account_id = $1`, [accountId]);
    return rows[0]?.settings ?? {};
  }

  /** Merges changes into the account's own settings; a null value returns that setting to its default. */
  async updateSettings(accountId: string, changes: Partial<Record<keyof VerifySettings, unknown>>): Promise<VerifySettings> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== null && v !== undefined));
    const unset = Object.entries(changes).filter(([, v]) => v === null).map(([k]) => k);
    const rows: { settings: Partial<VerifySettings> }[] = await this.db.query(
      `INSERT INTO verify_settings (account_id, settings) VALUES ($1, $2::jsonb - $3::text[])
       ON CONFLICT (account_id) DO UPDATE SET settings = (verify_settings.settings || $2::jsonb) - $3::text[], updated_at = now()
       RETURNING settings`,
      [accountId, JSON.stringify(set), unset],
    );
    return resolveVerifySettings(rows[0].settings);
  }

  async create(v: NewVerification): Promise<void> {
    await this.db.query(
      `INSERT INTO verifications (id, account_id, to_number, prefix, country, channel, locale, code_length, template, code_salt, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [v.id, v.accountId, v.to, v.prefix, v.country, v.channel, v.locale, v.codeLength, v.template, v.codeSalt, v.expiresAt],
    );
  }

  /** Drops a verification whose workflow could not be started (nothing half-written). */
  async remove(id: string): Promise<void> {
    await this.db.query(`DELETE FROM verifications WHERE id = $1 AND sends = 0`, [id]);
  }

  async findById(id: string): Promise<VerificationRow | null> {
    const rows: Raw[] = await this.db.query(`SELECT ${COLUMNS} FROM verifications WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async findForAccount(accountId: string, id: string): Promise<VerificationRow | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const rows: Raw[] = await this.db.query(`SELECT ${COLUMNS} FROM verifications WHERE id = $1 AND account_id = $2`, [id, accountId]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Other pending verifications of the same number in the same account, started before this one. */
  async olderPending(id: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT o.id FROM verifications v JOIN verifications o ON o.account_id = v.account_id AND o.to_number = v.to_number
       WHERE v.id = $1 AND o.id <> v.id AND o.status = 'pending' AND o.created_at <= v.created_at ORDER BY o.created_at`,
      [id],
    );
    return rows.map((r) => r.id);
  }

  /** The text of the verification's latest message (SMS body or spoken text), to read a kept code back from. */
  async lastMessageText(id: string): Promise<string | null> {
    const rows: { body: string }[] = await this.db.query(
      `SELECT m.body FROM verifications v JOIN messages m ON m.id = v.message_ids[array_length(v.message_ids, 1)] WHERE v.id = $1`,
      [id],
    );
    return rows[0] ? keyringOf(this.db).open(rows[0].body) : null;
  }

  /**
   * Writes the message carrying the code with its `accepted` event, and the send on the
   * verification (with the new digest when the code rotated), in one transaction. Idempotent per
   * message id: a retried activity finds its message written.
   */
  async recordSend(verificationId: string, message: VerificationMessage, digest: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const v: Raw[] = await tx.query(`SELECT account_id, to_number FROM verifications WHERE id = $1 FOR UPDATE`, [verificationId]);
      if (!v[0]) throw new Error(`verification ${verificationId} does not exist`);
      const inserted: unknown[] = await tx.query(
        `INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash, priority, source, delivery, channel)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8, 'otp', 'api', 'workflow', $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [message.id, v[0].account_id, v[0].to_number, message.from, keyringOf(this.db).seal(message.body), message.encoding, message.segments, `verification:${verificationId}`, message.channel],
      );
      if (inserted.length === 0) return;
      await tx.query(`INSERT INTO message_events (message_id, type, detail) VALUES ($1, 'accepted', $2::jsonb)`, [
        message.id,
        JSON.stringify({ segments: message.segments, encoding: message.encoding, verificationId }),
      ]);
      await tx.query(
        `UPDATE verifications SET sends = sends + 1, message_ids = message_ids || $2::uuid, code_digest = COALESCE($3, code_digest), channel = $4, updated_at = now() WHERE id = $1`,
        [verificationId, message.id, digest, message.channel],
      );
    });
  }

  async recordCheck(id: string, checks: number): Promise<void> {
    await this.db.query(`UPDATE verifications SET checks = GREATEST(checks, $2), updated_at = now() WHERE id = $1`, [id, checks]);
  }

  /**
   * Ends a verification: its status, and as its conversion record the carrier that took its
   * latest message ('voice' for a call) once it has one.
   */
  async finish(id: string, status: Exclude<VerificationStatus, 'pending'>): Promise<void> {
    await this.db.query(
      `UPDATE verifications v SET status = $2, approved_at = CASE WHEN $2 = 'approved' THEN now() END, updated_at = now(),
         carrier_id = (SELECT CASE WHEN m.channel = 'voice' THEN 'voice' ELSE m.carrier_id END FROM messages m WHERE m.id = v.message_ids[array_length(v.message_ids, 1)])
       WHERE id = $1 AND status = 'pending'`,
      [id, status],
    );
  }

  /** Finished and approved verifications of a number block in the account, over the last `windowMs`. */
  async recentConversion(accountId: string, prefix: string, windowMs: number): Promise<{ started: number; approved: number }> {
    const [row]: { finished: string; approved: string }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE status <> 'pending') AS finished, count(*) FILTER (WHERE status = 'approved') AS approved
       FROM verifications WHERE account_id = $1 AND prefix = $2 AND created_at > now() - make_interval(secs => $3)`,
      [accountId, prefix, windowMs / 1000],
    );
    return { started: Number(row.finished), approved: Number(row.approved) };
  }
}
