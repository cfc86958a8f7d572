// Process heartbeats against a real PostgreSQL: a row counts as live only while it is younger
// than three of its writer's intervals, per task queue; a clean stop removes it at once.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { HeartbeatRepository, HeartbeatWriter } from './heartbeat.repository';

let db: DataSource;
let heartbeats: HeartbeatRepository;
const queue = `hb-${randomUUID()}`;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  heartbeats = new HeartbeatRepository(db);
});
afterAll(async () => {
  await db?.query('DELETE FROM service_heartbeats WHERE task_queue = $1', [queue]);
  await db?.destroy();
});

const beat = (id: string, intervalMs: number, kind: 'worker' | 'smpp-gateway' = 'worker', taskQueue = queue) =>
  heartbeats.beat({ id, kind, taskQueue, host: 'h', pid: 1, startedAt: new Date(), intervalMs, carriers: [{ id: 'alpha', state: 'bound', since: null, lastError: null }] });
const age = (id: string, ms: number) => db.query(`UPDATE service_heartbeats SET beat_at = now() - make_interval(secs => $2 / 1000.0) WHERE id = $1`, [id, ms]);

it('is live within three intervals, stale after, and live again at the next beat', async () => {
  await beat('w1', 1000);
  await beat('g1', 5000, 'smpp-gateway');
  await beat('other-queue', 1000, 'worker', `${queue}-other`);
  expect((await heartbeats.live(queue)).map((p) => [p.id, p.kind, p.carriers[0].state]).sort()).toEqual([
    ['g1', 'smpp-gateway', 'bound'],
    ['w1', 'worker', 'bound'],
  ]);
  await age('w1', 3500);
  await age('g1', 3500); // within three of its own 5 s intervals
  expect((await heartbeats.live(queue)).map((p) => p.id)).toEqual(['g1']);
  await beat('w1', 1000);
  expect((await heartbeats.live(queue)).map((p) => p.id).sort()).toEqual(['g1', 'w1']);
  await db.query('DELETE FROM service_heartbeats WHERE task_queue = $1', [`${queue}-other`]);
});

it('a writer beats until stopped, removes its row on stop, and reports a failing beat once', async () => {
  const failures: unknown[] = [];
  const writer = new HeartbeatWriter(heartbeats, { kind: 'worker', taskQueue: queue, intervalMs: 1000, host: 'h', onFailure: (e) => failures.push(e), onRecovery: () => undefined });
  await writer.start();
  expect((await heartbeats.live(queue)).some((p) => p.id === writer.id)).toBe(true);
  await writer.stop();
  expect((await heartbeats.live(queue)).some((p) => p.id === writer.id)).toBe(false);

  const broken = new HeartbeatWriter({ beat: () => Promise.reject(new Error('db down')), remove: () => Promise.resolve() } as unknown as HeartbeatRepository, {
    kind: 'worker',
    taskQueue: queue,
    intervalMs: 1000,
    host: 'h',
    onFailure: (e) => failures.push(e),
    onRecovery: () => undefined,
  });
  await broken.beat();
  await broken.beat();
  expect(failures).toHaveLength(1);
});
