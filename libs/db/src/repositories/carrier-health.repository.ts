// Live carrier health from the message flow itself: sliding windows over message_attempts.
// A failure counts against a carrier only when it is the carrier's fault: permanent errors
// (unknown or barred numbers, opt-outs) say nothing about the carrier.
import { DataSource } from 'typeorm';
import type { CircuitState } from '../entities/carrier.entity';

const NOT_CARRIER_FAULTS = ['invalid_destination', 'unknown_subscriber', 'destination_barred', 'opted_out'];
/** SQL condition: an attempt that failed through the carrier's fault ($2 = NOT_CARRIER_FAULTS). */
const failed = (alias = '') => `${alias}status IN ('submit_failed', 'receipt_failed', 'receipt_timeout') AND COALESCE(${alias}error::jsonb ->> 'code', '') <> ALL($2)`;

export interface WindowStats {
  attempts: number;
  failures: number;
  delivered: number;
  /** Attempts that reached a final receipt (delivered or failed receipt). */
  finished: number;
  /** Delivered / attempts that reached a final receipt (delivered or receipt_failed), 0..1. */
  deliveryRate: number | null;
  receiptLatencyP50Ms: number | null;
}

export interface CountryStats extends WindowStats {
  carrierId: string;
  country: string | null;
}

interface StatsRow {
  carrier_id: string;
  country?: string | null;
  attempts: string;
  failures: string;
  delivered: string;
  receipt_failed: string;
  p50: number | null;
}

const toStats = (r: StatsRow): WindowStats => {
  const delivered = Number(r.delivered);
  const finished = delivered + Number(r.receipt_failed);
  return {
    attempts: Number(r.attempts),
    failures: Number(r.failures),
    delivered,
    finished,
    deliveryRate: finished > 0 ? delivered / finished : null,
    receiptLatencyP50Ms: r.p50 === null ? null : Math.round(Number(r.p50)),
  };
};

const SELECT_STATS = `count(*) AS attempts,
  count(*) FILTER (WHERE ${failed('a.')}) AS failures,
  count(*) FILTER (WHERE a.status = 'delivered') AS delivered,
  count(*) FILTER (WHERE a.status = 'receipt_failed') AS receipt_failed,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (a.completed_at - a.submitted_at)) * 1000) FILTER (WHERE a.status = 'delivered') AS p50`;

/** Finished verifications whose code went through a carrier, and how many were approved. */
export interface ConversionStats {
  carrierId: string;
  country: string | null;
  finished: number;
  approved: number;
}

export class CarrierHealthRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Per carrier, attempts started in the last `windowMs` and since its circuit last changed:
   * failures from before a recovery must not re-open a circuit that just closed.
   */
  async window(windowMs: number): Promise<Map<string, WindowStats>> {
    const rows: StatsRow[] = await this.db.query(
      `SELECT a.carrier_id, ${SELECT_STATS}
       FROM message_attempts a JOIN carriers c ON c.id = a.carrier_id
       WHERE a.started_at > GREATEST(now() - make_interval(secs => $1), c.circuit_changed_at) GROUP BY a.carrier_id`,
      [windowMs / 1000, NOT_CARRIER_FAULTS],
    );
    return new Map(rows.map((r) => [r.carrier_id, toStats(r)]));
  }

  /** Per carrier and destination country, for quality routing and the health endpoint. */
  async windowByCountry(windowMs: number, carrierId?: string): Promise<CountryStats[]> {
    const rows: StatsRow[] = await this.db.query(
      `SELECT a.carrier_id, m.country, ${SELECT_STATS}
       FROM message_attempts a JOIN messages m ON m.id = a.message_id
       WHERE a.started_at > now() - make_interval(secs => $1) AND ($3::text IS NULL OR a.carrier_id = $3)
       GROUP BY a.carrier_id, m.country ORDER BY a.carrier_id, m.country`,
      [windowMs / 1000, NOT_CARRIER_FAULTS, carrierId ?? null],
    );
    return rows.map((r) => ({ carrierId: r.carrier_id, country: r.country ?? null, ...toStats(r) }));
  }

  /** Finished attempts of a carrier since `since` (for half-open probes). */
  async sinceChange(carrierId: string, since: Date): Promise<{ successes: number; failures: number }> {
    const [row]: { successes: string; failures: string }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE status IN ('submitted', 'delivered')) AS successes, count(*) FILTER (WHERE ${failed()}) AS failures
       FROM message_attempts WHERE carrier_id = $1 AND started_at >= $3`,
      [carrierId, NOT_CARRIER_FAULTS, since],
    );
    return { successes: Number(row.successes), failures: Number(row.failures) };
  }

  async setCircuit(carrierId: string, state: CircuitState, reason: string): Promise<void> {
    await this.db.query(`UPDATE carriers SET circuit_state = $2, circuit_reason = $3, circuit_changed_at = now(), updated_at = now() WHERE id = $1`, [carrierId, state, reason]);
  }

  /**
   * Verify conversion per carrier and destination country over the last `windowMs`: a carrier whose
   * delivered codes are not entered (faked receipts, SIM-box routes) loses quality (RoutePlanner).
   */
  async conversionByCountry(windowMs: number): Promise<ConversionStats[]> {
    const rows: { carrier_id: string; country: string | null; finished: string; approved: string }[] = await this.db.query(
      `SELECT carrier_id, country, count(*) AS finished, count(*) FILTER (WHERE status = 'approved') AS approved
       FROM verifications WHERE carrier_id IS NOT NULL AND status <> 'pending' AND created_at > now() - make_interval(secs => $1)
       GROUP BY carrier_id, country`,
      [windowMs / 1000],
    );
    return rows.map((r) => ({ carrierId: r.carrier_id, country: r.country, finished: Number(r.finished), approved: Number(r.approved) }));
  }
}
