import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Liveness of the worker and SMPP gateway processes, for GET /health: each process upserts its
 * row every few seconds (`interval_ms`); a worker's row also carries the bind state of each
 * carrier connection it holds. A row whose `beat_at` is older than three intervals belongs to a
 * dead process and is ignored (and later pruned), so a killed worker's last carrier states are
 * never reported as live. `task_queue` tells apart stacks that share one database.
 */
export class ServiceHeartbeats1733700000000 implements MigrationInterface {
  name = 'ServiceHeartbeats1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE service_heartbeats (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('worker', 'smpp-gateway')),
      task_queue text NOT NULL,
      host text NOT NULL,
      pid int NOT NULL,
      started_at timestamptz NOT NULL,
      beat_at timestamptz NOT NULL DEFAULT now(),
      interval_ms int NOT NULL,
      carriers jsonb NOT NULL DEFAULT '[]')`);
    await q.query(`CREATE INDEX service_heartbeats_queue ON service_heartbeats (task_queue, kind, beat_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_heartbeats`);
  }
}
