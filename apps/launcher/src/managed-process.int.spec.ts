// A process started by the launcher that never becomes ready is stopped, not left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from './managed-process';

it('kills a process that is not ready in time and reports why', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'managed-'));
  const script = path.join(dir, 'never-ready.js');
  fs.writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const proc = new ManagedProcess({ name: 'never-ready', script, env: {}, ready: (p) => p.waitForLine(() => false, 500).then(() => undefined) });
  try {
    await expect(proc.start()).rejects.toThrow('never-ready not ready within 500 ms');
    expect(proc.child?.exitCode !== null || proc.child?.signalCode !== null).toBe(true);
  } finally {
    await proc.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('reports a process that exits during start-up', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'managed-'));
  const script = path.join(dir, 'exits.js');
  fs.writeFileSync(script, 'process.exit(3);\n');
  const proc = new ManagedProcess({ name: 'exits', script, env: {}, ready: (p) => p.waitForLine(() => false, 5000).then(() => undefined) });
  try {
    await expect(proc.start()).rejects.toThrow(/exits exited during start-up \(code 3/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
