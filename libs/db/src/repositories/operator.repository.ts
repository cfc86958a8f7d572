// Operators: people who run the platform. Each signs in with a password (scrypt) and a TOTP code
// from an authenticator app, or one of ten single-use recovery codes (kept as SHA-256 hashes; a
// used one is removed in the same statement that checks it, so it cannot be used twice even by
// two sign-ins at once). The TOTP secret is sealed with SECRETS_KEY. An operator belongs to an
// account (the operators' account): what it changes is recorded under it in the audit log.
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountLimits, resolveLimits } from '@app/domain';
import { hashPassword, verifyPassword } from '../passwords';
import type { SecretBox } from '../secrets';
import { returningRows } from './returning';
import { UUID } from '@app/contracts';

export interface OperatorView {
  id: string;
  accountId: string;
  email: string;
  mfaEnabled: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
  disabledAt: Date | null;
}

export interface ActiveOperator extends OperatorView {
  smartEncoding: boolean;
  limits: AccountLimits;
}

const hashCode = (code: string) => createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase(), 'utf8').digest('hex');
const COLUMNS = `o.id, o.account_id, o.email, o.totp_enabled_at, o.created_at, o.last_sign_in_at, o.disabled_at`;
type Row = { id: string; account_id: string; email: string; totp_enabled_at: Date | null; created_at: Date; last_sign_in_at: Date | null; disabled_at: Date | null };
const view = (r: Row): OperatorView => ({
  id: r.id,
  accountId: r.account_id,
  email: r.email,
  mfaEnabled: r.totp_enabled_at !== null,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
  disabledAt: r.disabled_at,
});

export class OperatorRepository {
  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** Null when the email is taken. */
  async create(accountId: string, email: string, password: string): Promise<OperatorView | null> {
    const rows = returningRows<Row>(
      await this.db.query(
        `INSERT INTO operators AS o (account_id, email, password_hash) VALUES ($1, $2, $3) ON CONFLICT (lower(email)) DO NOTHING RETURNING ${COLUMNS}`,
        [accountId, email, await hashPassword(password)],
      ),
    );
    return rows[0] ? view(rows[0]) : null;
  }

  async list(): Promise<OperatorView[]> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM operators o ORDER BY created_at, id`);
    return rows.map(view);
  }

  async disable(id: string): Promise<OperatorView | null> {
    if (!UUID.test(id)) return null;
    const rows = returningRows<Row>(await this.db.query(`UPDATE operators o SET disabled_at = COALESCE(disabled_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [id]));
    return rows[0] ? view(rows[0]) : null;
  }

  /** The operator whose email and password these are (enabled), with its TOTP secret when one is set. */
  async checkPassword(email: string, password: string): Promise<{ operator: OperatorView; totpSecret: string | null; recoveryCodes: number } | null> {
    const rows: (Row & { password_hash: string; totp_secret_sealed: string | null; recovery: number })[] = await this.db.query(
      `SELECT ${COLUMNS}, o.password_hash, o.totp_secret_sealed, cardinality(o.recovery_code_hashes) AS recovery FROM operators o WHERE lower(email) = lower($1) AND disabled_at IS NULL`,
      [email],
    );
    // A missing operator costs the same scrypt as a wrong password (no timing hint of which emails exist).
    const ok = await verifyPassword(password, rows[0]?.password_hash ?? DUMMY_HASH);
    if (!rows[0] || !ok) return null;
    const row = rows[0];
    return { operator: view(row), totpSecret: row.totp_secret_sealed ? this.box.open(row.totp_secret_sealed) : null, recoveryCodes: row.recovery };
  }

  /** Starts (or restarts, while not confirmed) enrolment: a new TOTP secret and recovery codes. */
  async beginEnrolment(id: string, totpSecret: string, recoveryCodes: string[]): Promise<boolean> {
    const rows = returningRows(
      await this.db.query(
        `UPDATE operators SET totp_secret_sealed = $2, recovery_code_hashes = $3 WHERE id = $1 AND totp_enabled_at IS NULL RETURNING id`,
        [id, this.box.seal(totpSecret), recoveryCodes.map(hashCode)],
      ),
    );
    return rows.length > 0;
  }

  async confirmEnrolment(id: string): Promise<void> {
    await this.db.query(`UPDATE operators SET totp_enabled_at = now() WHERE id = $1 AND totp_enabled_at IS NULL`, [id]);
  }

  /** Uses up a recovery code: true only the first time. */
  async useRecoveryCode(id: string, code: string): Promise<boolean> {
    const rows = returningRows(
      await this.db.query(
        `UPDATE operators SET recovery_code_hashes = array_remove(recovery_code_hashes, $2) WHERE id = $1 AND $2 = ANY(recovery_code_hashes) RETURNING id`,
        [id, hashCode(code)],
      ),
    );
    return rows.length > 0;
  }

  /** Accepts a TOTP code's time step once: false when it (or a later one) was used already. */
  async useTotpStep(id: string, step: number): Promise<boolean> {
    const rows = returningRows(
      await this.db.query(`UPDATE operators SET last_totp_step = $2 WHERE id = $1 AND (last_totp_step IS NULL OR last_totp_step < $2) RETURNING id`, [id, step]),
    );
    return rows.length > 0;
  }

  async signedIn(id: string): Promise<void> {
    await this.db.query(`UPDATE operators SET last_sign_in_at = now() WHERE id = $1`, [id]);
  }

  /** An enabled, enrolled operator with its account's settings (what a request with its token checks). */
  async active(id: string): Promise<ActiveOperator | null> {
    if (!UUID.test(id)) return null;
    const rows: (Row & { smart_encoding: boolean; limits: Record<string, unknown> })[] = await this.db.query(
      `SELECT ${COLUMNS}, a.smart_encoding, a.limits FROM operators o JOIN accounts a ON a.id = o.account_id WHERE o.id = $1 AND o.disabled_at IS NULL AND o.totp_enabled_at IS NOT NULL`,
      [id],
    );
    const row = rows[0];
    return row ? { ...view(row), smartEncoding: row.smart_encoding, limits: resolveLimits(row.limits) } : null;
  }
}

/** A valid scrypt hash of a random password nobody knows, checked when the email is unknown. */
const DUMMY_HASH = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$6c6FP9o0kqzD6Zs2nYq0Jm1Yc9VY0b0x8mUj9n3qk1I=';
