import fs from 'node:fs';
import { recordHistories } from './support/history-recorder';

interface Servers {
  pg: { stop(): Promise<void> };
  temporal: { address: string; stop(): Promise<void> };
  dir: string;
}

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __testServers?: Servers }).__testServers;
  if (!servers) return;
  try {
    // `npm run record-histories`: the histories the e2e suites left on the server, for test/replay.
    if (process.env.RECORD_HISTORIES === '1') await recordHistories(servers.temporal.address);
  } finally {
    await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
    fs.rmSync(servers.dir, { recursive: true, force: true });
  }
}
