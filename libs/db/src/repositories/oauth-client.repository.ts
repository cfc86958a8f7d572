// OAuth2 client-credentials clients of an account: a client id (the row's uuid) and a secret
// shown once (`cs_` + 32 random bytes; only its SHA-256 is kept, as for API keys), the scopes its
// tokens may carry and the client addresses they may be used from.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountLimits, resolveLimits } from '@app/domain';
import type { ApiKeyScope } from './account.repository';
import { returningRows } from './returning';
import { UUID } from '@app/contracts';

export interface OAuthClientView {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  allowedIps: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

/** A usable client with what a request made with its token needs (its account's settings). */
export interface ActiveOAuthClient extends OAuthClientView {
  accountId: string;
  smartEncoding: boolean;
  limits: AccountLimits;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
const COLUMNS = `c.id, c.name, c.scopes, c.allowed_ips, c.created_at, c.revoked_at`;
type Row = { id: string; name: string; scopes: ApiKeyScope[]; allowed_ips: string[]; created_at: Date; revoked_at: Date | null };
const view = (r: Row): OAuthClientView => ({ id: r.id, name: r.name, scopes: r.scopes, allowedIps: r.allowed_ips, createdAt: r.created_at, revokedAt: r.revoked_at });

export class OAuthClientRepository {
  constructor(private readonly db: DataSource) {}

  async create(accountId: string, spec: { name: string; scopes: ApiKeyScope[]; allowedIps: string[] }): Promise<{ secret: string; client: OAuthClientView }> {
    const secret = `cs_${randomBytes(32).toString('base64url')}`;
    const rows: Row[] = await this.db.query(
      `INSERT INTO oauth_clients AS c (account_id, name, secret_hash, scopes, allowed_ips) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [accountId, spec.name, hashSecret(secret), spec.scopes, spec.allowedIps],
    );
    return { secret, client: view(rows[0]) };
  }

  async list(accountId: string): Promise<OAuthClientView[]> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM oauth_clients c WHERE account_id = $1 ORDER BY created_at DESC, id`, [accountId]);
    return rows.map(view);
  }

  async find(accountId: string, id: string): Promise<OAuthClientView | null> {
    if (!UUID.test(id)) return null;
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM oauth_clients c WHERE account_id = $1 AND id = $2`, [accountId, id]);
    return rows[0] ? view(rows[0]) : null;
  }

  async revoke(accountId: string, id: string): Promise<OAuthClientView | null> {
    if (!UUID.test(id)) return null;
    const rows = returningRows<Row>(
      await this.db.query(`UPDATE oauth_clients c SET revoked_at = COALESCE(revoked_at, now()) WHERE account_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [accountId, id]),
    );
    return rows[0] ? view(rows[0]) : null;
  }

  /** The client if it exists, is not revoked and `secret` is its secret (compared in constant time). */
  async authenticate(id: string, secret: string): Promise<ActiveOAuthClient | null> {
    if (!UUID.test(id)) return null;
    const rows: (Row & { secret_hash: string })[] = await this.db.query(`SELECT ${COLUMNS}, c.secret_hash FROM oauth_clients c WHERE id = $1 AND revoked_at IS NULL`, [id]);
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(hashSecret(secret), 'hex'))) return null;
    return this.active(id);
  }

  /** The client with its account's settings, or null once revoked (what a request with its token checks). */
  async active(id: string): Promise<ActiveOAuthClient | null> {
    if (!UUID.test(id)) return null;
    const rows: (Row & { account_id: string; smart_encoding: boolean; limits: Record<string, unknown> })[] = await this.db.query(
      `SELECT ${COLUMNS}, c.account_id, a.smart_encoding, a.limits FROM oauth_clients c JOIN accounts a ON a.id = c.account_id WHERE c.id = $1 AND c.revoked_at IS NULL`,
      [id],
    );
    const row = rows[0];
    return row ? { ...view(row), accountId: row.account_id, smartEncoding: row.smart_encoding, limits: resolveLimits(row.limits) } : null;
  }
}
