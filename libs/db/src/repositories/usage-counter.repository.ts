// Fixed-window counters in PostgreSQL, shared by every API and gateway replica: the daily
// quota and the velocity limits of messages (libs/domain/src/limits.ts names the windows in the
// keys). rate-limiter-flexible's PostgreSQL store counts one key per statement; a message
// needs four counters and a bulk SMPP flush hundreds, so they are added in one statement.
// Not in the accept transaction itself: every message of an account updates its quota row, so
// holding that row lock until the message's commit is flushed would serialise the account's
// accepts; here the lock lasts the statement (the limits pool does not wait for the flush).
import type { LimitsPool } from '../limits-pool';

export interface CounterIncrement {
  key: string;
  by: number;
  /** When the window ends: the row is purged after it. */
  expiresAt: Date;
}

export class UsageCounterRepository {
  constructor(private readonly pool: LimitsPool) {}

  /** Adds to every counter in one statement and returns each counter's new total. */
  async add(increments: CounterIncrement[]): Promise<Map<string, number>> {
    if (increments.length === 0) return new Map();
    // One row per key, in key order: concurrent statements then lock rows in the same order (no deadlock).
    const merged = new Map<string, CounterIncrement>();
    for (const inc of increments) {
      const seen = merged.get(inc.key);
      merged.set(inc.key, seen ? { ...seen, by: seen.by + inc.by } : { ...inc });
    }
    const rows = [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const { rows: result } = await this.pool.query<{ key: string; count: number }>(
      `INSERT INTO usage_counters (key, count, expires_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[])
       ON CONFLICT (key) DO UPDATE SET count = usage_counters.count + excluded.count
       RETURNING key, count`,
      [rows.map((r) => r.key), rows.map((r) => r.by), rows.map((r) => r.expiresAt)],
    );
    return new Map(result.map((r) => [r.key, r.count]));
  }

  /** Drops counters whose window has ended. */
  async purgeExpired(): Promise<void> {
    await this.pool.query(`DELETE FROM usage_counters WHERE expires_at < now()`);
  }
}
