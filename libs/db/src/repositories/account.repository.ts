// Accounts and their API keys. A key is `sk_` + 32 random bytes (base64url), shown once at
// creation; only its SHA-256 is stored (the key is high-entropy, so a fast hash is enough).
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountLimits, resolveLimits } from '@app/domain';
import { returningRows } from './returning';

export const API_KEY_PREFIX = 'sk_';

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
 * `operator`: manage carriers, routes and accounts' SMPP ceilings (the control plane).
 */
export type ApiKeyScope = 'messages' | 'smpp' | 'operator';

export interface AuthenticatedKey {
  accountId: string;
  keyId: string;
  scopes: ApiKeyScope[];
  /** The account's smart-encoding setting, read with the key so a send costs no extra query. */
  smartEncoding: boolean;
  /** The account's limits in force (its settings over the defaults), read with the key for the same reason. */
  limits: AccountLimits;
}

export class AccountRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates an account and its first key; returns the key in clear text, the only time it exists. */
  async createWithKey(name: string, keyName = 'default', scopes: ApiKeyScope[] = ['messages']): Promise<{ accountId: string; keyId: string; apiKey: string }> {
    const { key, hash, displayPrefix } = generateApiKey();
    return this.db.transaction(async (tx) => {
      const [account]: { id: string }[] = await tx.query(`INSERT INTO accounts (name) VALUES ($1) RETURNING id`, [name]);
      const [apiKey]: { id: string }[] = await tx.query(`INSERT INTO api_keys (account_id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
        account.id,
        keyName,
        displayPrefix,
        hash,
        scopes,
      ]);
      return { accountId: account.id, keyId: apiKey.id, apiKey: key };
    });
  }

  /** Adds a key to an existing account; returns it in clear text, the only time it exists. */
  async addKey(accountId: string, keyName: string, scopes: ApiKeyScope[] = ['messages']): Promise<string> {
    const { key, hash, displayPrefix } = generateApiKey();
    await this.db.query(`INSERT INTO api_keys (account_id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, $5)`, [accountId, keyName, displayPrefix, hash, scopes]);
    return key;
  }

  async findByName(name: string): Promise<{ id: string } | null> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1`, [name]);
    return rows[0] ?? null;
  }

  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const rows: { id: string; account_id: string; scopes: ApiKeyScope[]; smart_encoding: boolean; limits: Record<string, unknown> }[] = await this.db.query(
      `SELECT k.id, k.account_id, k.scopes, a.smart_encoding, a.limits FROM api_keys k JOIN accounts a ON a.id = k.account_id
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    return row ? { keyId: row.id, accountId: row.account_id, scopes: row.scopes, smartEncoding: row.smart_encoding, limits: resolveLimits(row.limits) } : null;
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
