// What the SMPP gateway replicas share in PostgreSQL so their limits hold together:
// - bound sessions (max_binds per credential and per account), kept alive by a heartbeat so a
//   replica that dies frees its binds after `staleAfterMs`;
// - submit windows: tokens of the current second (PostgreSQL's clock) leased in chunks per
//   account and per credential, so a submit costs a round trip only once per chunk;
// - failed binds per source IP and per system_id, for back-off and lockout.
import { DataSource } from 'typeorm';
import { returningRows } from './returning';

export interface SmppSessionRow {
  id: string;
  gatewayId: string;
  systemId: string;
  accountId: string;
  remoteAddress: string;
}

export type SessionRegistration = { ok: true } | { ok: false; limit: 'credential' | 'account'; max: number };

export interface BindFailurePolicy {
  /** Failures within `windowMs` that lock a key out. */
  threshold: number;
  windowMs: number;
  lockoutMs: number;
}

export class SmppGatewayStateRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records a bound session unless its credential or its account already has its maximum of
   * live sessions (any replica). Serialised per account with an advisory lock, so two binds
   * racing on two replicas cannot both take the last slot.
   */
  async registerSession(session: SmppSessionRow, limits: { credentialMaxBinds: number; accountMaxBinds: number }, staleAfterMs: number): Promise<SessionRegistration> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('smpp-binds:' || $1))`, [session.accountId]);
      const [count]: { credential: number; account: number }[] = await tx.query(
        `SELECT count(*) FILTER (WHERE system_id = $2)::int AS credential, count(*)::int AS account
         FROM smpp_sessions WHERE account_id = $1 AND seen_at > now() - make_interval(secs => $3)`,
        [session.accountId, session.systemId, staleAfterMs / 1000],
      );
      if (count.credential >= limits.credentialMaxBinds) return { ok: false, limit: 'credential', max: limits.credentialMaxBinds };
      if (count.account >= limits.accountMaxBinds) return { ok: false, limit: 'account', max: limits.accountMaxBinds };
      await tx.query(`INSERT INTO smpp_sessions (id, gateway_id, system_id, account_id, remote_address) VALUES ($1, $2, $3, $4, $5)`, [
        session.id,
        session.gatewayId,
        session.systemId,
        session.accountId,
        session.remoteAddress,
      ]);
      return { ok: true };
    });
  }

  /**
   * Live sessions of the account beyond its credentials' max_binds or the account's ceiling
   * (after either was lowered): the newest go, whichever replica holds them.
   */
  async excessSessions(accountId: string, accountMaxBinds: number, staleAfterMs: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM (
         SELECT id, system_id,
                row_number() OVER (PARTITION BY system_id ORDER BY bound_at, id) AS per_credential,
                row_number() OVER (ORDER BY bound_at, id) AS per_account
         FROM smpp_sessions WHERE account_id = $1 AND seen_at > now() - make_interval(secs => $3)) s
       LEFT JOIN smpp_credentials c ON c.system_id = s.system_id
       WHERE c.system_id IS NULL OR s.per_credential > c.max_binds OR s.per_account > $2`,
      [accountId, accountMaxBinds, staleAfterMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  async removeSession(id: string): Promise<void> {
    await this.db.query(`DELETE FROM smpp_sessions WHERE id = $1`, [id]);
  }

  async removeGateway(gatewayId: string): Promise<void> {
    await this.db.query(`DELETE FROM smpp_sessions WHERE gateway_id = $1`, [gatewayId]);
  }

  /** Keeps this replica's sessions alive, and drops sessions and bind failures nobody keeps any more. */
  async heartbeat(gatewayId: string, staleAfterMs: number, failureRetentionMs: number): Promise<void> {
    await this.db.query(`UPDATE smpp_sessions SET seen_at = now() WHERE gateway_id = $1`, [gatewayId]);
    await this.db.query(`DELETE FROM smpp_sessions WHERE seen_at < now() - make_interval(secs => $1)`, [staleAfterMs / 1000]);
    await this.db.query(`DELETE FROM smpp_bind_failures WHERE first_at < now() - make_interval(secs => $1) AND (locked_until IS NULL OR locked_until < now())`, [
      failureRetentionMs / 1000,
    ]);
  }

  /**
   * Takes up to `want` submit tokens of the current second from every key's window at once
   * (each key has its own limit per second). Returns how many were granted (0: the window is
   * spent) and how long the window lasts from now.
   */
  async leaseTokens(keys: { key: string; limit: number }[], want: number): Promise<{ granted: number; expiresInMs: number }> {
    const sorted = [...keys].sort((a, b) => a.key.localeCompare(b.key));
    const names = sorted.map((k) => k.key);
    return this.db.transaction(async (tx) => {
      const [clock]: { start: Date; left_ms: number }[] = await tx.query(
        `SELECT date_trunc('second', clock_timestamp()) AS start,
                extract(epoch FROM date_trunc('second', clock_timestamp()) + interval '1 second' - clock_timestamp()) * 1000 AS left_ms`,
      );
      await tx.query(`INSERT INTO smpp_rate_windows (key, window_start, used) SELECT k, $2, 0 FROM unnest($1::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`, [names, clock.start]);
      const rows: { key: string; used: number }[] = await tx.query(
        `SELECT key, CASE WHEN window_start = $2 THEN used ELSE 0 END AS used FROM smpp_rate_windows WHERE key = ANY($1) ORDER BY key FOR UPDATE`,
        [names, clock.start],
      );
      const used = new Map(rows.map((r) => [r.key, r.used]));
      const granted = Math.max(0, Math.min(want, ...sorted.map((k) => k.limit - (used.get(k.key) ?? 0))));
      if (granted > 0) {
        await tx.query(
          `UPDATE smpp_rate_windows SET used = (CASE WHEN window_start = $2 THEN used ELSE 0 END) + $3, window_start = $2 WHERE key = ANY($1)`,
          [names, clock.start, granted],
        );
      }
      return { granted, expiresInMs: Math.max(0, Number(clock.left_ms)) };
    });
  }

  /** Whether any of the keys is locked out now. */
  async lockedOut(keys: string[]): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM smpp_bind_failures WHERE key = ANY($1) AND locked_until > now() LIMIT 1`, [keys]);
    return rows.length > 0;
  }

  /** Counts a failed bind against every key; returns the highest count within the window. */
  async recordFailure(keys: string[], policy: BindFailurePolicy): Promise<number> {
    const rows = returningRows<{ failures: number }>(
      await this.db.query(
        `INSERT INTO smpp_bind_failures AS f (key, failures, first_at)
         SELECT k, 1, now() FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.first_at < now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
           first_at = CASE WHEN f.first_at < now() - make_interval(secs => $2) THEN now() ELSE f.first_at END,
           locked_until = CASE
             WHEN f.first_at >= now() - make_interval(secs => $2) AND f.failures + 1 >= $3 THEN now() + make_interval(secs => $4)
             ELSE f.locked_until END
         RETURNING failures`,
        [keys, policy.windowMs / 1000, policy.threshold, policy.lockoutMs / 1000],
      ),
    );
    return Math.max(0, ...rows.map((r) => r.failures));
  }

  async clearFailures(key: string): Promise<void> {
    await this.db.query(`DELETE FROM smpp_bind_failures WHERE key = $1`, [key]);
  }
}
