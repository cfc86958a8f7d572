// Accounts and their API keys. A key is `sk_` + 32 random bytes (base64url), shown once at
// creation; only its SHA-256 is stored (the key is high-entropy, so a fast hash is enough).
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AccountLimits, resolveLimits } from '@app/domain';
import { returningRows } from './returning';

export const API_KEY_PREFIX = 'sk_';

/** Client addresses of this machine: an operator key made for local use (the demo, tests) is bound to them. */
export const LOOPBACK_ONLY = ['127.0.0.0/8', '::1'];

/** Changes to an API key or its account are announced here (payload: the account id). */
export const API_KEYS_CHANNEL = 'api_keys';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): { key: string; hash: string; displayPrefix: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, 10) };
}

/**
 * `messages`: send and read messages. `smpp`: manage the account's SMPP credentials.
 * `keys`: manage the account's API keys. `operator`: manage carriers, routes and accounts'
 * SMPP ceilings (the control plane).
 */
export type ApiKeyScope = 'messages' | 'smpp' | 'keys' | 'operator';
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['messages', 'smpp', 'keys', 'operator'];

/** A key as its account sees it: never the key or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  allowedIps: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  rotatedFrom: string | null;
}

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt?: Date | null;
  allowedIps?: string[];
}

const KEY_COLUMNS = `id, name, prefix, scopes, allowed_ips, created_at, expires_at, last_used_at, revoked_at, rotated_from`;
type KeyRow = { id: string; name: string; prefix: string; scopes: ApiKeyScope[]; allowed_ips: string[]; created_at: Date; expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null; rotated_from: string | null };
const keyView = (r: KeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  allowedIps: r.allowed_ips,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  rotatedFrom: r.rotated_from,
});

export interface AuthenticatedKey {
  accountId: string;
  keyId: string;
  scopes: ApiKeyScope[];
  /** The account's smart-encoding setting, read with the key so a send costs no extra query. */
  smartEncoding: boolean;
  /** The account's limits in force (its settings over the defaults), read with the key for the same reason. */
  limits: AccountLimits;
  /** Client addresses (CIDR) the key may be used from; empty: any. */
  allowedIps: string[];
  /** When the key stops working (null: never). */
  expiresAt: Date | null;
  /** What authenticated the request: an API key (the default), an OAuth2 client's token, or an operator's token (password + TOTP). */
  credential?: 'api_key' | 'oauth_client' | 'operator';
}

export class AccountRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates an account and its first key; returns the key in clear text, the only time it exists. */
  async createWithKey(
    name: string,
    keyName = 'default',
    scopes: ApiKeyScope[] = ['messages'],
    options: { allowedIps?: string[] } = {},
  ): Promise<{ accountId: string; keyId: string; apiKey: string }> {
    const { key, hash, displayPrefix } = generateApiKey();
    return this.db.transaction(async (tx) => {
      const [account]: { id: string }[] = await tx.query(`INSERT INTO accounts (name) VALUES ($1) RETURNING id`, [name]);
      const [apiKey]: { id: string }[] = await tx.query(`INSERT INTO api_keys (account_id, name, prefix, key_hash, scopes, allowed_ips) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [
        account.id,
        keyName,
        displayPrefix,
        hash,
        scopes,
        options.allowedIps ?? [],
      ]);
      return { accountId: account.id, keyId: apiKey.id, apiKey: key };
    });
  }

  /** Adds a key to an existing account; returns it in clear text, the only time it exists. */
  async addKey(accountId: string, keyName: string, scopes: ApiKeyScope[] = ['messages'], options: { allowedIps?: string[] } = {}): Promise<string> {
    const { key, hash, displayPrefix } = generateApiKey();
    await this.db.query(`INSERT INTO api_keys (account_id, name, prefix, key_hash, scopes, allowed_ips) VALUES ($1, $2, $3, $4, $5, $6)`, [
      accountId,
      keyName,
      displayPrefix,
      hash,
      scopes,
      options.allowedIps ?? [],
    ]);
    return key;
  }

  async findByName(name: string): Promise<{ id: string } | null> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1`, [name]);
    return rows[0] ?? null;
  }

  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const rows: { id: string; account_id: string; scopes: ApiKeyScope[]; smart_encoding: boolean; limits: Record<string, unknown>; allowed_ips: string[]; expires_at: Date | null }[] =
      await this.db.query(
        `SELECT k.id, k.account_id, k.scopes, k.allowed_ips, k.expires_at, a.smart_encoding, a.limits FROM api_keys k JOIN accounts a ON a.id = k.account_id
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
        [hashApiKey(key)],
      );
    const row = rows[0];
    return row
      ? { keyId: row.id, accountId: row.account_id, scopes: row.scopes, smartEncoding: row.smart_encoding, limits: resolveLimits(row.limits), allowedIps: row.allowed_ips, expiresAt: row.expires_at }
      : null;
  }

  /** The account's keys, newest first (revoked ones too: the record of what existed). */
  async listKeys(accountId: string): Promise<ApiKeyView[]> {
    const rows: KeyRow[] = await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at DESC, id`, [accountId]);
    return rows.map(keyView);
  }

  async findKey(accountId: string, keyId: string): Promise<ApiKeyView | null> {
    const rows: KeyRow[] = await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE account_id = $1 AND id = $2`, [accountId, keyId]);
    return rows[0] ? keyView(rows[0]) : null;
  }

  /** Creates a key; returns it in clear text, the only time it exists. */
  async createKey(accountId: string, spec: NewApiKey, rotatedFrom: string | null = null, tx: EntityManager = this.db.manager): Promise<{ key: string; view: ApiKeyView }> {
    const { key, hash, displayPrefix } = generateApiKey();
    const rows: KeyRow[] = await tx.query(
      `INSERT INTO api_keys (account_id, name, prefix, key_hash, scopes, expires_at, allowed_ips, rotated_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${KEY_COLUMNS}`,
      [accountId, spec.name, displayPrefix, hash, spec.scopes, spec.expiresAt ?? null, spec.allowedIps ?? [], rotatedFrom],
    );
    return { key, view: keyView(rows[0]) };
  }

  /** Revokes a key at once; null when the account has no such key. Revoking twice keeps the first time. */
  async revokeKey(accountId: string, keyId: string): Promise<ApiKeyView | null> {
    const rows = returningRows<KeyRow>(
      await this.db.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE account_id = $1 AND id = $2 RETURNING ${KEY_COLUMNS}`, [accountId, keyId]),
    );
    return rows[0] ? keyView(rows[0]) : null;
  }

  /** Changes a key's name or allowed addresses; null when the account has no such key. */
  async updateKey(accountId: string, keyId: string, changes: { name?: string; allowedIps?: string[] }): Promise<ApiKeyView | null> {
    const rows = returningRows<KeyRow>(
      await this.db.query(
        `UPDATE api_keys SET name = COALESCE($3, name), allowed_ips = COALESCE($4, allowed_ips) WHERE account_id = $1 AND id = $2 RETURNING ${KEY_COLUMNS}`,
        [accountId, keyId, changes.name ?? null, changes.allowedIps ?? null],
      ),
    );
    return rows[0] ? keyView(rows[0]) : null;
  }

  /**
   * Replaces a usable key by a new one with the same name, scopes and addresses: the old key
   * keeps working for `overlapSeconds` (never longer than it would have), so clients can move
   * over. Null when the account has no such usable key.
   */
  async rotateKey(accountId: string, keyId: string, overlapSeconds: number): Promise<{ key: string; view: ApiKeyView; old: ApiKeyView } | null> {
    return this.db.transaction(async (tx) => {
      const old = returningRows<KeyRow>(
        await tx.query(
          `UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $3))
           WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) RETURNING ${KEY_COLUMNS}`,
          [accountId, keyId, overlapSeconds],
        ),
      )[0];
      if (!old) return null;
      const created = await this.createKey(accountId, { name: old.name, scopes: old.scopes, allowedIps: old.allowed_ips, expiresAt: null }, old.id, tx);
      return { ...created, old: keyView(old) };
    });
  }

  /** Records that keys were used (an API process calls this at most once a minute per key). */
  async touchKeys(keyIds: string[]): Promise<void> {
    if (keyIds.length > 0) await this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = ANY($1::uuid[])`, [keyIds]);
  }

  /** The limits in force for an account (null: no such account). */
  async limits(accountId: string): Promise<AccountLimits | null> {
    const rows: { limits: Record<string, unknown> }[] = await this.db.query(`SELECT limits FROM accounts WHERE id = $1`, [accountId]);
    return rows[0] ? resolveLimits(rows[0].limits) : null;
  }

  /** Gives an account limits unless an operator has set some already. */
  async setLimitsIfUnset(accountId: string, limits: Partial<AccountLimits>): Promise<void> {
    await this.db.query(`UPDATE accounts SET limits = $2::jsonb WHERE id = $1 AND limits = '{}'::jsonb`, [accountId, JSON.stringify(limits)]);
  }

  /**
   * Changes an account's limits: a given setting replaces the account's own, `null` returns it
   * to the default. Returns the limits now in force, or null when there is no such account.
   */
  async updateLimits(accountId: string, changes: Partial<Record<keyof AccountLimits, unknown>>): Promise<AccountLimits | null> {
    const rows = returningRows<{ limits: Record<string, unknown> }>(
      await this.db.query(`UPDATE accounts SET limits = jsonb_strip_nulls(limits || $2::jsonb) WHERE id = $1 RETURNING limits`, [accountId, JSON.stringify(changes)]),
    );
    return rows[0] ? resolveLimits(rows[0].limits) : null;
  }

  async settings(accountId: string): Promise<{ smartEncoding: boolean } | null> {
    const rows: { smart_encoding: boolean }[] = await this.db.query(`SELECT smart_encoding FROM accounts WHERE id = $1`, [accountId]);
    return rows[0] ? { smartEncoding: rows[0].smart_encoding } : null;
  }

  async updateSettings(accountId: string, changes: { smartEncoding?: boolean }): Promise<{ smartEncoding: boolean }> {
    const rows = returningRows<{ smart_encoding: boolean }>(
      await this.db.query(`UPDATE accounts SET smart_encoding = COALESCE($2, smart_encoding) WHERE id = $1 RETURNING smart_encoding`, [accountId, changes.smartEncoding ?? null]),
    );
    return { smartEncoding: rows[0].smart_encoding };
  }
}
