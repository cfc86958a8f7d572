// Worker liveness (worker_heartbeats): each worker upserts its row every few seconds with the
// carrier binds it holds; readers see only rows younger than three of the writer's intervals,
// so what a dead worker last wrote is never taken for the present.
import { DataSource } from 'typeorm';

/** A carrier connection as one worker sees it right now. */
export interface CarrierBindReport {
  id: string;
  state: string;
  since: string | null;
  lastError: string | null;
}

export interface WorkerBeat {
  workerId: string;
  taskQueue: string;
  host: string;
  pid: number;
  startedAt: Date;
  intervalMs: number;
  carriers: CarrierBindReport[];
}

export interface LiveWorker extends WorkerBeat {
  beatAt: Date;
}

/** A row is stale after this many of its own intervals without a beat. */
export const STALE_AFTER_INTERVALS = 3;

export class WorkerHeartbeatRepository {
  constructor(private readonly db: DataSource) {}

  /** Records a beat (the database's clock, so hosts' clocks never matter) and prunes rows of workers long dead. */
  async beat(beat: WorkerBeat): Promise<void> {
    await this.db.query(
      `INSERT INTO worker_heartbeats (worker_id, task_queue, host, pid, started_at, beat_at, interval_ms, carriers)
       VALUES ($1, $2, $3, $4, $5, now(), $6, $7::jsonb)
       ON CONFLICT (worker_id) DO UPDATE SET beat_at = now(), interval_ms = EXCLUDED.interval_ms, carriers = EXCLUDED.carriers`,
      [beat.workerId, beat.taskQueue, beat.host, beat.pid, beat.startedAt, beat.intervalMs, JSON.stringify(beat.carriers)],
    );
    await this.db.query(`DELETE FROM worker_heartbeats WHERE beat_at < now() - interval '1 hour'`);
  }

  async remove(workerId: string): Promise<void> {
    await this.db.query(`DELETE FROM worker_heartbeats WHERE worker_id = $1`, [workerId]);
  }

  /** Workers of this task queue that beat within the last three of their intervals. */
  async live(taskQueue: string): Promise<LiveWorker[]> {
    const rows: { worker_id: string; task_queue: string; host: string; pid: number; started_at: Date; beat_at: Date; interval_ms: number; carriers: CarrierBindReport[] }[] =
      await this.db.query(
        `SELECT * FROM worker_heartbeats
         WHERE task_queue = $1 AND beat_at > now() - make_interval(secs => interval_ms * $2 / 1000.0)
         ORDER BY beat_at DESC`,
        [taskQueue, STALE_AFTER_INTERVALS],
      );
    return rows.map((r) => ({
      workerId: r.worker_id,
      taskQueue: r.task_queue,
      host: r.host,
      pid: r.pid,
      startedAt: r.started_at,
      beatAt: r.beat_at,
      intervalMs: r.interval_ms,
      carriers: r.carriers,
    }));
  }
}
