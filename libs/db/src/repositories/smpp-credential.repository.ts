// Customers' SMPP credentials (system_id + password), with the limits the gateway enforces per
// system_id: simultaneous binds, source IPs and submits per second. SMPP 3.4 passwords are at
// most 8 characters, so the hash is a deliberately slow scrypt with a random salt, never a
// fast digest; the password itself is shown once, when it is generated. Also each account's
// SMPP ceilings (set by operators; a credential's own limits may only be lower). Any change
// to either is announced on SMPP_CREDENTIALS_CHANNEL by a trigger, for the gateways' open sessions.
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { hashPassword, verifyPassword } from '../passwords';
import { returningRows } from './returning';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** SMPP 3.4 §5.2.2: password is a C-Octet String of at most 9 octets, NUL included. */
export const SMPP_PASSWORD_LENGTH = 8;

export const hashSmppPassword = hashPassword;
export const verifySmppPassword = verifyPassword;

export function generateSmppPassword(): string {
  let out = '';
  for (let i = 0; i < SMPP_PASSWORD_LENGTH; i += 1) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** NOTIFY channel (payload JSON `{ systemId?, accountId }`), sent by triggers on smpp_credentials and smpp_account_limits. */
export const SMPP_CREDENTIALS_CHANNEL = 'smpp_credentials';

/** How data_coding 0 ("SMSC default alphabet") is read for this credential. */
export const SMPP_DEFAULT_ALPHABETS = ['gsm', 'ascii', 'latin1'] as const;
export type SmppDefaultAlphabet = (typeof SMPP_DEFAULT_ALPHABETS)[number];

/** An account's SMPP ceilings: every credential's submits per second together, and binds of all its credentials together. */
export interface SmppAccountLimits {
  maxThroughputPerSecond: number;
  maxBinds: number;
}

/** Ceilings of an account no operator has set. */
export const DEFAULT_SMPP_ACCOUNT_LIMITS: SmppAccountLimits = { maxThroughputPerSecond: 100, maxBinds: 8 };

export interface SmppCredential {
  systemId: string;
  accountId: string;
  maxBinds: number;
  /** IPv4/IPv6 addresses or CIDR blocks; empty: any source address. */
  allowedIps: string[];
  throughputPerSecond: number;
  enabled: boolean;
  /** ISO 3166-1 alpha-2 country of national numbers (TON 2, and TON 0 without country code); null: none. */
  defaultCountry: string | null;
  /** The alphabet of data_coding 0. */
  defaultAlphabet: SmppDefaultAlphabet;
  createdAt: Date;
  updatedAt: Date;
}

export interface SmppCredentialWithHash extends SmppCredential {
  passwordHash: string;
}

interface Row {
  system_id: string;
  account_id: string;
  password_hash: string;
  max_binds: number;
  allowed_ips: string[];
  throughput_per_second: number;
  enabled: boolean;
  default_country: string | null;
  default_alphabet: SmppDefaultAlphabet;
  created_at: Date;
  updated_at: Date;
}

const toCredential = (r: Row): SmppCredentialWithHash => ({
  systemId: r.system_id,
  accountId: r.account_id,
  passwordHash: r.password_hash,
  maxBinds: r.max_binds,
  allowedIps: r.allowed_ips,
  throughputPerSecond: r.throughput_per_second,
  enabled: r.enabled,
  defaultCountry: r.default_country,
  defaultAlphabet: r.default_alphabet,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const withoutHash = ({ passwordHash: _hash, ...credential }: SmppCredentialWithHash): SmppCredential => credential;

export type SmppCredentialSettings = Pick<SmppCredential, 'maxBinds' | 'allowedIps' | 'throughputPerSecond' | 'enabled' | 'defaultCountry' | 'defaultAlphabet'>;

export class SmppCredentialRepository {
  constructor(private readonly db: DataSource) {}

  /** Null when the system_id is taken (by any account: system_ids are global, they are what a bind names). */
  async create(accountId: string, systemId: string, passwordHash: string, settings: SmppCredentialSettings): Promise<SmppCredentialWithHash | null> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO smpp_credentials (system_id, account_id, password_hash, max_binds, allowed_ips, throughput_per_second, enabled, default_country, default_alphabet)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (system_id) DO NOTHING RETURNING *`,
      [systemId, accountId, passwordHash, settings.maxBinds, settings.allowedIps, settings.throughputPerSecond, settings.enabled, settings.defaultCountry, settings.defaultAlphabet],
    );
    return rows[0] ? toCredential(rows[0]) : null;
  }

  async find(systemId: string): Promise<SmppCredentialWithHash | null> {
    const rows: Row[] = await this.db.query(`SELECT * FROM smpp_credentials WHERE system_id = $1`, [systemId]);
    return rows[0] ? toCredential(rows[0]) : null;
  }

  /** The credentials among `systemIds` that still exist (the gateway's check of its open sessions). */
  async findMany(systemIds: string[]): Promise<SmppCredentialWithHash[]> {
    if (systemIds.length === 0) return [];
    const rows: Row[] = await this.db.query(`SELECT * FROM smpp_credentials WHERE system_id = ANY($1)`, [systemIds]);
    return rows.map(toCredential);
  }

  async listForAccount(accountId: string): Promise<SmppCredentialWithHash[]> {
    const rows: Row[] = await this.db.query(`SELECT * FROM smpp_credentials WHERE account_id = $1 ORDER BY system_id`, [accountId]);
    return rows.map(toCredential);
  }

  /** `defaultCountry: null` clears it; an absent field is left as it is. */
  async update(accountId: string, systemId: string, changes: Partial<SmppCredentialSettings> & { passwordHash?: string }): Promise<SmppCredentialWithHash | null> {
    const rows = returningRows<Row>(
      await this.db.query(
        `UPDATE smpp_credentials SET
           max_binds = COALESCE($3, max_binds), allowed_ips = COALESCE($4, allowed_ips),
           throughput_per_second = COALESCE($5, throughput_per_second), enabled = COALESCE($6, enabled),
           password_hash = COALESCE($7, password_hash),
           default_country = CASE WHEN $8 THEN $9 ELSE default_country END, default_alphabet = COALESCE($10, default_alphabet),
           updated_at = now()
         WHERE account_id = $1 AND system_id = $2 RETURNING *`,
        [
          accountId,
          systemId,
          changes.maxBinds ?? null,
          changes.allowedIps ?? null,
          changes.throughputPerSecond ?? null,
          changes.enabled ?? null,
          changes.passwordHash ?? null,
          changes.defaultCountry !== undefined,
          changes.defaultCountry ?? null,
          changes.defaultAlphabet ?? null,
        ],
      ),
    );
    return rows[0] ? toCredential(rows[0]) : null;
  }

  async delete(accountId: string, systemId: string): Promise<boolean> {
    const rows = returningRows(await this.db.query(`DELETE FROM smpp_credentials WHERE account_id = $1 AND system_id = $2 RETURNING system_id`, [accountId, systemId]));
    return rows.length > 0;
  }

  /** The account's ceilings: what an operator set, else the defaults. */
  async accountLimits(accountId: string): Promise<SmppAccountLimits & { custom: boolean }> {
    const rows: { max_throughput_per_second: number; max_binds: number }[] = await this.db.query(
      `SELECT max_throughput_per_second, max_binds FROM smpp_account_limits WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] ? { maxThroughputPerSecond: rows[0].max_throughput_per_second, maxBinds: rows[0].max_binds, custom: true } : { ...DEFAULT_SMPP_ACCOUNT_LIMITS, custom: false };
  }

  /** Sets an account's ceilings (operators); false when the account does not exist. */
  async setAccountLimits(accountId: string, limits: SmppAccountLimits): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO smpp_account_limits (account_id, max_throughput_per_second, max_binds)
       SELECT id, $2, $3 FROM accounts WHERE id = $1
       ON CONFLICT (account_id) DO UPDATE SET max_throughput_per_second = EXCLUDED.max_throughput_per_second, max_binds = EXCLUDED.max_binds, updated_at = now()
       RETURNING account_id`,
      [accountId, limits.maxThroughputPerSecond, limits.maxBinds],
    );
    return returningRows(rows).length > 0;
  }
}
