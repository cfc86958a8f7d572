// A carrier's maxTps across every worker replica: each submit to a limited carrier reserves the
// next free slot on it in PostgreSQL (`carrier_pacing.next_at`, moved on by 1/maxTps per
// message) and waits for it, whichever process and shape sends it. Carriers without a limit cost
// nothing: their limits are read every few seconds, not per submit. A page reserves only within
// a short horizon (`withinMs`), so the slots it holds ahead are few and a message's own workflow
// (an OTP) never queues behind a whole page: it waits at most that horizon.
import { DataSource } from 'typeorm';

const REFRESH_MS = 5_000;

export class CarrierPacer {
  private limits = new Map<string, number>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(private readonly db: DataSource) {}

  /**
   * Milliseconds to wait before sending `count` messages to `carrierId` (0: now, or no limit).
   * With `withinMs`, only a slot that starts within that horizon is taken: null when the next
   * free one is further ahead (nothing reserved; ask again shortly).
   */
  async reserve(carrierId: string, count = 1, withinMs?: number): Promise<number | null> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.refresh();
    const maxTps = this.limits.get(carrierId);
    if (!maxTps) return 0;
    const rows: { wait_ms: number }[] = await this.db.query(
      `INSERT INTO carrier_pacing AS p (carrier_id, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / $3))
       ON CONFLICT (carrier_id) DO UPDATE SET next_at = greatest(p.next_at, clock_timestamp()) + make_interval(secs => $2::float8 / $3)
         WHERE $4::float8 IS NULL OR p.next_at < clock_timestamp() + make_interval(secs => $4::float8 / 1000)
       RETURNING (EXTRACT(EPOCH FROM (next_at - clock_timestamp())) * 1000 - $2::float8 / $3 * 1000)::float8 AS wait_ms`,
      [carrierId, count, maxTps, withinMs ?? null],
    );
    if (rows.length === 0) return null;
    return Math.max(0, rows[0].wait_ms);
  }

  private refresh(): Promise<void> {
    this.loading ??= this.db
      .query(`SELECT id, max_tps FROM carriers WHERE max_tps IS NOT NULL AND max_tps > 0`)
      .then((rows: { id: string; max_tps: number }[]) => {
        this.limits = new Map(rows.map((r) => [r.id, r.max_tps]));
        this.loadedAt = Date.now();
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }
}
