// A carrier's maxTps across every worker replica: each submit to a limited carrier reserves the
// next free slot on it in PostgreSQL (`carrier_pacing.next_at`, moved on by 1/maxTps per
// message) and waits for it, whichever process and shape sends it. Carriers without a limit cost
// nothing: their limits are read every few seconds, not per submit.
import { DataSource } from 'typeorm';

const REFRESH_MS = 5_000;

export class CarrierPacer {
  private limits = new Map<string, number>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(private readonly db: DataSource) {}

  /** Milliseconds to wait before sending `count` messages to `carrierId` (0: now, or no limit). */
  async reserve(carrierId: string, count = 1): Promise<number> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.refresh();
    const maxTps = this.limits.get(carrierId);
    if (!maxTps) return 0;
    const rows: { wait_ms: number }[] = await this.db.query(
      `INSERT INTO carrier_pacing AS p (carrier_id, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / $3))
       ON CONFLICT (carrier_id) DO UPDATE SET next_at = greatest(p.next_at, clock_timestamp()) + make_interval(secs => $2::float8 / $3)
       RETURNING (EXTRACT(EPOCH FROM (next_at - clock_timestamp())) * 1000 - $2::float8 / $3 * 1000)::float8 AS wait_ms`,
      [carrierId, count, maxTps],
    );
    return Math.max(0, rows[0]?.wait_ms ?? 0);
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
