import fs from 'node:fs';

interface Servers {
  pg: { stop(): Promise<void> };
  temporal: { stop(): Promise<void> };
  dir: string;
}

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __testServers?: Servers }).__testServers;
  if (!servers) return;
  await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
  fs.rmSync(servers.dir, { recursive: true, force: true });
}
