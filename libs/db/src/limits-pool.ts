// The connections limit counters are kept on (request limits, quota and velocity counters):
// a small pool apart from the main one, whose commits do not wait for the WAL flush
// (synchronous_commit off). A counter is soft state: a PostgreSQL crash may forget the last
// fraction of a second of counts, which only lets a few more requests through, and the accept
// path does not pay a disk flush per counter.
import { Pool } from 'pg';

export type LimitsPool = Pool;

export function openLimitsPool(databaseUrl: string, { max = 10, applicationName = 'sms-limits' } = {}): LimitsPool {
  const pool = new Pool({ connectionString: databaseUrl, max, application_name: applicationName, options: '-c synchronous_commit=off' });
  // An idle connection that PostgreSQL drops is replaced on the next query; it must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}
