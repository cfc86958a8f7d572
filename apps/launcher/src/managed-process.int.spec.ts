// A process started by the launcher that never becomes ready is stopped, not left behind; under
// a Supervisor one that dies is restarted with backoff, and given up on after too many failures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from './managed-process';
import { Supervisor } from './supervisor';

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

describe('under a Supervisor', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervised-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const readyOnLine = (p: ManagedProcess) => p.waitForLine((l) => l === 'ready', 5000).then(() => undefined);

  it('logs why a process died and starts it again, on a new pid', async () => {
    const script = path.join(dir, 'app.js');
    fs.writeFileSync(script, "console.log('ready'); setInterval(() => {}, 1000);\n");
    const proc = new ManagedProcess({ name: 'app', script, env: {}, ready: readyOnLine, logFile: path.join(dir, 'app.log') });
    const lines: string[] = [];
    const gaveUp = jest.fn();
    const supervisor = new Supervisor({ name: 'app', start: () => proc.run(), policy: { initialDelayMs: 50, maxDelayMs: 1000, maxRestarts: 3, windowMs: 10_000 }, log: (l) => lines.push(l), onGiveUp: gaveUp });
    try {
      await supervisor.start();
      const first = supervisor.pid;
      process.kill(first!, 'SIGKILL');
      await eventually(() => lines.some((l) => l.startsWith('app restarted')));
      expect(lines[0]).toBe(`app (pid ${first}) died: killed by SIGKILL`);
      expect(lines[1]).toBe('app: restart 1 of at most 3 within 10 s, in 50 ms');
      expect(supervisor.pid).not.toBe(first);
      expect(proc.child!.exitCode).toBeNull();
      expect(gaveUp).not.toHaveBeenCalled();
    } finally {
      await supervisor.stop();
    }
    // Stopping is not a death: nothing restarts it.
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.filter((l) => l.includes('died'))).toHaveLength(1);
    expect(proc.child!.signalCode ?? proc.child!.exitCode).not.toBeNull();
  });

  it('restarts nothing once held, as while the launcher stops (a Ctrl-C that reached the process itself)', async () => {
    const script = path.join(dir, 'app.js');
    fs.writeFileSync(script, "console.log('ready'); setInterval(() => {}, 1000);\n");
    const proc = new ManagedProcess({ name: 'app', script, env: {}, ready: readyOnLine, logFile: path.join(dir, 'app.log') });
    const lines: string[] = [];
    const supervisor = new Supervisor({ name: 'app', start: () => proc.run(), policy: { initialDelayMs: 10, maxDelayMs: 100, maxRestarts: 3, windowMs: 10_000 }, log: (l) => lines.push(l), onGiveUp: jest.fn() });
    try {
      await supervisor.start();
      supervisor.hold();
      process.kill(supervisor.pid!, 'SIGINT');
      await eventually(() => proc.child!.signalCode !== null || proc.child!.exitCode !== null);
      await new Promise((r) => setTimeout(r, 200));
      expect(lines).toEqual([]);
    } finally {
      await supervisor.stop();
    }
  });

  it('gives up loudly after too many failures in the window, with the last cause', async () => {
    const script = path.join(dir, 'crashy.js');
    // Ready, then dies with code 7: every restart succeeds and dies again.
    fs.writeFileSync(script, "console.log('ready'); setTimeout(() => process.exit(7), 50);\n");
    const proc = new ManagedProcess({ name: 'crashy', script, env: {}, ready: readyOnLine, logFile: path.join(dir, 'crashy.log') });
    const lines: string[] = [];
    let gaveUp: Error | undefined;
    const supervisor = new Supervisor({
      name: 'crashy',
      start: () => proc.run(),
      policy: { initialDelayMs: 20, maxDelayMs: 80, maxRestarts: 2, windowMs: 30_000 },
      log: (l) => lines.push(l),
      onGiveUp: (reason) => (gaveUp = reason),
    });
    try {
      await supervisor.start();
      await eventually(() => gaveUp !== undefined);
      expect(gaveUp!.message).toBe('crashy failed 3 times within 30 s (last: exit code 7); giving up');
      expect(lines.filter((l) => l.endsWith('died: exit code 7'))).toHaveLength(3);
      // Backoff doubles: 20 ms then 40 ms.
      expect(lines.filter((l) => l.includes('restart '))).toEqual(['crashy: restart 1 of at most 2 within 30 s, in 20 ms', 'crashy: restart 2 of at most 2 within 30 s, in 40 ms']);
      await new Promise((r) => setTimeout(r, 300));
      expect(lines.filter((l) => l.endsWith('died: exit code 7'))).toHaveLength(3); // no restart after giving up
    } finally {
      await supervisor.stop();
    }
  });

  it('stops at once while waiting out a backoff, and starts nothing after', async () => {
    const script = path.join(dir, 'slow-restart.js');
    fs.writeFileSync(script, "console.log('ready'); setInterval(() => {}, 1000);\n");
    const proc = new ManagedProcess({ name: 'slow', script, env: {}, ready: readyOnLine, logFile: path.join(dir, 'slow.log') });
    const lines: string[] = [];
    const supervisor = new Supervisor({ name: 'slow', start: () => proc.run(), policy: { initialDelayMs: 20_000, maxDelayMs: 20_000, maxRestarts: 3, windowMs: 60_000 }, log: (l) => lines.push(l), onGiveUp: () => undefined });
    await supervisor.start();
    const first = supervisor.pid!;
    process.kill(first, 'SIGKILL');
    await eventually(() => lines.some((l) => l.startsWith('slow: restart 1')));
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(supervisor.pid).toBe(first);
    expect(lines.some((l) => l.includes('restarted'))).toBe(false);
  });

  it('counts a restart that fails to become ready as a failure, and backs off again', async () => {
    const script = path.join(dir, 'once.js');
    const marker = path.join(dir, 'started');
    // The first start succeeds; later ones exit before they are ready.
    fs.writeFileSync(script, `const fs = require('fs'); if (fs.existsSync(${JSON.stringify(marker)})) process.exit(2); fs.writeFileSync(${JSON.stringify(marker)}, ''); console.log('ready'); setInterval(() => {}, 1000);\n`);
    const proc = new ManagedProcess({ name: 'once', script, env: {}, ready: readyOnLine, logFile: path.join(dir, 'once.log') });
    const lines: string[] = [];
    let gaveUp: Error | undefined;
    const supervisor = new Supervisor({ name: 'once', start: () => proc.run(), policy: { initialDelayMs: 10, maxDelayMs: 40, maxRestarts: 2, windowMs: 30_000 }, log: (l) => lines.push(l), onGiveUp: (r) => (gaveUp = r) });
    try {
      await supervisor.start();
      process.kill(supervisor.pid!, 'SIGKILL');
      await eventually(() => gaveUp !== undefined);
      expect(lines.filter((l) => l.startsWith('once did not restart: once exited during start-up (code 2'))).toHaveLength(2);
      expect(gaveUp!.message).toMatch(/^once failed 3 times within 30 s \(last: once exited during start-up \(code 2/);
    } finally {
      await supervisor.stop();
    }
  });
});

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
