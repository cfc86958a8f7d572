import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Liveness of the workers, for GET /health: each worker process upserts its row every few
 * seconds (`interval_ms`) with the bind state of each carrier connection it holds. A row whose
 * `beat_at` is older than three intervals belongs to a dead worker and is ignored (and pruned),
 * so a killed worker's last carrier states are never reported as live.
 */
export class WorkerHeartbeats1733700000000 implements MigrationInterface {
  name = 'WorkerHeartbeats1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE worker_heartbeats (
      worker_id text PRIMARY KEY,
      task_queue text NOT NULL,
      host text NOT NULL,
      pid int NOT NULL,
      started_at timestamptz NOT NULL,
      beat_at timestamptz NOT NULL DEFAULT now(),
      interval_ms int NOT NULL,
      carriers jsonb NOT NULL DEFAULT '[]')`);
    await q.query(`CREATE INDEX worker_heartbeats_queue ON worker_heartbeats (task_queue, beat_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE worker_heartbeats`);
  }
}
