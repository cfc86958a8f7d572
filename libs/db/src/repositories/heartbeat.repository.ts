// Liveness of the worker and SMPP gateway processes (service_heartbeats): each upserts its row
// every few seconds (a worker with the carrier binds it holds); readers see only rows younger
// than three of the writer's intervals, so what a dead process last wrote is never taken for
// the present.
import { DataSource } from 'typeorm';

export type HeartbeatKind = 'worker' | 'smpp-gateway';

/** A carrier connection as one worker sees it right now. */
export interface CarrierBindReport {
  id: string;
  state: string;
  since: string | null;
  lastError: string | null;
}

export interface Heartbeat {
  id: string;
  kind: HeartbeatKind;
  taskQueue: string;
  host: string;
  pid: number;
  startedAt: Date;
  intervalMs: number;
  carriers: CarrierBindReport[];
}

export interface LiveProcess extends Heartbeat {
  beatAt: Date;
}

/** A row is stale after this many of its own intervals without a beat. */
export const STALE_AFTER_INTERVALS = 3;

export class HeartbeatRepository {
  constructor(private readonly db: DataSource) {}

  /** Records a beat (the database's clock, so hosts' clocks never matter) and prunes rows of processes long dead. */
  async beat(beat: Heartbeat): Promise<void> {
    await this.db.query(
      `INSERT INTO service_heartbeats (id, kind, task_queue, host, pid, started_at, beat_at, interval_ms, carriers)
       VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8::jsonb)
       ON CONFLICT (id) DO UPDATE SET beat_at = now(), interval_ms = EXCLUDED.interval_ms, carriers = EXCLUDED.carriers`,
      [beat.id, beat.kind, beat.taskQueue, beat.host, beat.pid, beat.startedAt, beat.intervalMs, JSON.stringify(beat.carriers)],
    );
    await this.db.query(`DELETE FROM service_heartbeats WHERE beat_at < now() - interval '1 hour'`);
  }

  async remove(id: string): Promise<void> {
    await this.db.query(`DELETE FROM service_heartbeats WHERE id = $1`, [id]);
  }

  /** Processes of this task queue that beat within the last three of their intervals, newest first. */
  async live(taskQueue: string): Promise<LiveProcess[]> {
    const rows: { id: string; kind: HeartbeatKind; task_queue: string; host: string; pid: number; started_at: Date; beat_at: Date; interval_ms: number; carriers: CarrierBindReport[] }[] =
      await this.db.query(
        `SELECT * FROM service_heartbeats
         WHERE task_queue = $1 AND beat_at > now() - make_interval(secs => interval_ms * $2 / 1000.0)
         ORDER BY beat_at DESC`,
        [taskQueue, STALE_AFTER_INTERVALS],
      );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
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

/**
 * Beats for one process until stopped: the first beat is awaited, a failing one is logged once
 * per outage (the row goes stale meanwhile, so /health shows this process down).
 */
export class HeartbeatWriter {
  readonly id: string;
  private readonly startedAt = new Date();
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly repository: HeartbeatRepository,
    private readonly options: {
      kind: HeartbeatKind;
      taskQueue: string;
      intervalMs: number;
      host: string;
      carriers?: () => CarrierBindReport[];
      onFailure: (err: unknown) => void;
      onRecovery: () => void;
    },
  ) {
    this.id = `${options.kind}:${options.host}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs);
  }

  async beat(): Promise<void> {
    try {
      await this.repository.beat({
        id: this.id,
        kind: this.options.kind,
        taskQueue: this.options.taskQueue,
        host: this.options.host,
        pid: process.pid,
        startedAt: this.startedAt,
        intervalMs: this.options.intervalMs,
        carriers: this.options.carriers?.() ?? [],
      });
      if (this.failing) this.options.onRecovery();
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.options.onFailure(err);
      this.failing = true;
    }
  }

  /** Stops beating and removes the row: a process that stops cleanly is gone at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.repository.remove(this.id).catch(() => undefined);
  }
}
